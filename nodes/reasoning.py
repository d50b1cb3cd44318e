"""Reasoning effort: passed to models that take it, a one-line notice for those that do not;
and what a reply's signed thinking needs to be sent back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langgraph.config import get_stream_writer

from configs.model_profile import profile_of
from models.messages import note_kind

EFFORTS = ("minimal", "low", "medium", "high")
# How Anthropic refuses a tool loop whose last turn's thinking did not come back.
LOST_THINKING = "must start with a thinking block"
THINKING_PAUSED = (
    "This step ran without extended thinking: the thinking of the model's last tool call "
    "could not be sent back (the history before it changed, e.g. by compaction). Thinking "
    "resumes with the next turn."
)
_noticed: set[tuple[str, str]] = set()


def effort_kwargs(
    model_id: str, effort: str | None, history: Sequence[BaseMessage] = ()
) -> dict[str, Any]:
    """The request's extra arguments for `effort`; a notice (once) when the model has none.

    Anthropic takes thinking in a tool loop only if the loop's last turn began with its own
    thinking; a turn without any (written with thinking off, by another model, or after a
    fallback step) keeps thinking off until the loop ends.
    """
    if not effort:
        return {}
    profile = profile_of(model_id)
    if profile.takes_effort:  # litellm maps it per provider (reasoning_effort, thinking budget)
        if profile.provider == "anthropic" and _unthought_tool_turn(history):
            return {}
        return {"reasoning_effort": effort}
    if (model_id, effort) not in _noticed:
        _noticed.add((model_id, effort))
        get_stream_writer()(
            {
                "type": "error",
                "warning": True,
                "message": f"{model_id} does not take a reasoning effort; '{effort}' is ignored.",
            }
        )
    return {}


def replay_anchor(prompt: list[BaseMessage], reply: AIMessage) -> list[BaseMessage]:
    """What must stay in the history before `reply` so that its thinking can go back.

    Anthropic wants a tool-calling turn's signed thinking blocks sent back unchanged, and
    ChatLiteLLM sends them back only after exactly the history they followed. That history
    ended with the runtime note, which is not otherwise stored; a reply that made tool calls
    with thinking keeps the note it was given (returned here, to be stored just before it).
    """
    if not reply.tool_calls or not _thinking(reply) or not prompt:
        return []
    return [prompt[-1]] if note_kind(prompt[-1]) == "runtime" else []


def lost_thinking(error: BaseException) -> bool:
    """Whether `error` is Anthropic refusing a tool loop whose last turn lost its thinking."""
    return LOST_THINKING in str(error.__cause__ or error)


def _unthought_tool_turn(history: Sequence[BaseMessage]) -> bool:
    last = next((m for m in reversed(history) if isinstance(m, AIMessage)), None)
    return last is not None and bool(last.tool_calls) and not _thinking(last)


def _thinking(message: BaseMessage) -> bool:
    return bool(message.additional_kwargs.get("thinking_blocks"))
