"""Pure functions over the message history, shared by the nodes and the session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

# Messages the agent itself adds to the history carry this key in
# `additional_kwargs`, so they are never mistaken for the user's words.
MARKER = "ml_intern"
NoteKind = Literal["doom_guard", "summary", "length_note"]

INTERRUPTED = (
    "[interrupted] This tool call did not finish: the run was stopped (cancelled, "
    "crashed or superseded by a new user message) before it returned. It may have "
    "partly run; check before repeating it."
)


def note(kind: NoteKind, text: str) -> HumanMessage:
    """A message from the agent runtime to the model, marked as not from the user."""
    return HumanMessage(content=text, additional_kwargs={MARKER: kind})


def note_kind(message: AnyMessage) -> str | None:
    return message.additional_kwargs.get(MARKER) if message.additional_kwargs else None


def is_user_message(message: AnyMessage) -> bool:
    return isinstance(message, HumanMessage) and note_kind(message) is None


def last_user_index(messages: Sequence[AnyMessage]) -> int:
    """Index of the last message the user wrote, or -1."""
    for i in range(len(messages) - 1, -1, -1):
        if is_user_message(messages[i]):
            return i
    return -1


def current_turn_id(messages: Sequence[AnyMessage]) -> str:
    i = last_user_index(messages)
    return (messages[i].id or f"idx-{i}") if i >= 0 else ""


def answered_ids(messages: Sequence[AnyMessage]) -> set[str]:
    return {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}


def pending_tool_calls(messages: Sequence[AnyMessage]) -> list[dict[str, Any]]:
    """Tool calls of the last AI message that have no ToolMessage yet."""
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if isinstance(message, AIMessage):
            done = answered_ids(messages[i + 1 :])
            return [dict(c) for c in message.tool_calls if c["id"] not in done]
        if is_user_message(message):
            return []
    return []


def interrupted_results(
    calls: Sequence[dict[str, Any]], text: str = INTERRUPTED
) -> list[ToolMessage]:
    return [
        ToolMessage(content=text, tool_call_id=c["id"], name=c["name"], status="error")
        for c in calls
    ]


def repair_orphans(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """Give every tool call its result right after its AI message, as providers require.

    A crash, a cancel or a new user message can leave calls unanswered: those get
    an "interrupted" ToolMessage. Results are moved next to their call; results
    whose call no longer exists (e.g. cut by compaction) are dropped.
    """
    results: dict[str, ToolMessage] = {}
    for message in messages:
        if isinstance(message, ToolMessage):
            results.setdefault(message.tool_call_id, message)
    repaired: list[AnyMessage] = []
    for message in messages:
        if isinstance(message, ToolMessage):
            continue
        repaired.append(message)
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                found = results.get(call["id"])
                repaired.append(found if found is not None else interrupted_results([call])[0])
    return repaired
