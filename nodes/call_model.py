"""call_model: ask the model for the next step, with retries and usage accounting."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, BaseMessage
from langgraph.config import get_stream_writer

from adaptations.reply.asking import asking
from adaptations.reply.checks import SmallChecks, sent_back, small_checks
from adaptations.reply.runaway_reply import reply_once_more
from adaptations.reply.unseen_numbers import mark_written_notes
from adaptations.turn import Turn
from models.call_arguments import RAW_ARGUMENTS
from models.messages import NoteKind, note
from models.provider_errors import ProviderError, stated_window
from models.texts import LENGTH_NOTE
from models.usage import call_usage, sum_usage
from nodes.context_window import thread_profile, with_stated_window
from nodes.deps import AgentDeps
from nodes.history import own_reasoning_only, stamped
from nodes.invoke import invoke_thinking
from nodes.model_prompt import build_prompt
from nodes.plan_guard import plan_guard
from nodes.reasoning import effort_kwargs, replay_anchor
from nodes.run_options import run_context
from nodes.turn import turn_of
from tools.families import offered_tools

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.runtime import Runtime

# The notes after a reply that send the model back to work instead of ending the turn.
BACK_TO_WORK: tuple[NoteKind, ...] = (
    "length_note",
    "plan_reminder",
    "empty_reply",
    "cut_reply",
    "asked_files",
    "unseen_numbers",
    "unread_files",
)


async def call_model(
    state: Mapping[str, Any], config: RunnableConfig, runtime: Runtime, *, deps: AgentDeps
) -> dict[str, Any]:
    run = run_context(runtime, config, deps)
    turn = turn_of(state)
    usage = state.get("usage") or {}
    # run_context fills the limit from settings; None (a bare RunContext) sets none, as for cost.
    if run.max_iterations is not None and turn["iterations"] >= run.max_iterations:
        return {"stop_reason": "max_iterations", "turn": turn}
    if run.max_cost_usd is not None and usage.get("cost_usd", 0.0) >= run.max_cost_usd:
        return {"stop_reason": "max_cost", "turn": turn}

    model_id = state.get("model") or deps.settings.model_name
    profile, learned = await thread_profile(state, model_id, deps.settings)
    prompt = own_reasoning_only(await build_prompt(state, run, profile, deps), model_id)
    # A sub-agent keeps its own tools and checks: the rules are the agent's.
    rules = profile.rules if deps.role == "agent" else frozenset()
    history = state.get("messages") or []
    tools = offered_tools(deps.catalog, small="core-toolset" in rules, history=history)
    check = small_checks(profile.reply_limit, prompt, history, run.workspace, turn, rules)
    asked = asking(rules, history, prompt, turn)
    prompt = asked.prompt
    try:
        effort = state.get("effort") or deps.settings.reasoning_effort
        extra = effort_kwargs(model_id, effort, prompt) | profile.reply_kwargs() | asked.kwargs
        ask = partial(
            invoke_thinking, deps, model_id, prompt, config, tools=tools, advice=run.advice
        )
        retry = turn if "runaway-retry" in rules else None
        response, wasted = await reply_once_more(ask, extra, profile, prompt, retry)
    except ProviderError as error:
        return _overflowed(error, state, turn, deps, model_id)

    response, dropped = tidy_tool_calls(response)
    response = asked.reply(response, text_calls=profile.text_tool_calls)
    # The note a thinking reply followed is kept just before it (see `replay_anchor`).
    messages: list[BaseMessage] = [*asked.ahead, *map(stamped, replay_anchor(prompt, response))]
    mark_written_notes(turn, asked.ahead)
    response = stamped(response, written_by=model_id)
    messages.append(response)
    spent = call_usage(profile, prompt, response)
    get_stream_writer()({"type": "usage", "model": model_id, **spent})
    turn["iterations"] += 1
    # The compaction limit guards against compact/overflow loops around one model
    # call; a long turn may compact many times, so it resets once a call succeeds.
    turn["compactions"] = 0
    follow_up, stop = _follow_up(state, turn, response, dropped=dropped, small=check, mode=run.mode)
    return {
        "messages": [*messages, *follow_up],
        "turn": turn,
        "usage": sum_usage(spent, wasted) if wasted else spent,  # a delta (graph/state.py)
        "model": model_id,
        "stop_reason": stop,
        "compact_request": None,
        **({"context_window": learned} if learned else {}),
    }


def _follow_up(
    state: Mapping[str, Any],
    turn: Turn,
    response: AIMessage,
    *,
    dropped: bool,
    small: SmallChecks | None,
    mode: str,
) -> tuple[list[BaseMessage], str | None]:
    """The note that sends the model back to work, if any, and the turn's stop reason;
    `small`: what a small-window model's answer is checked against (None: a larger model)."""
    if dropped:
        return [note("length_note", LENGTH_NOTE)], None
    if response.tool_calls:
        return [], None
    if small is not None and (back := sent_back(response, turn, small)) is not None:
        return [back], None
    if mode == "headless":
        reminder, stop = plan_guard(state, turn)
        return ([reminder] if reminder else []), stop
    return [], "done"


def _overflowed(
    error: ProviderError,
    state: Mapping[str, Any],
    turn: Turn,
    deps: AgentDeps,
    model_id: str,
) -> dict[str, Any]:
    """A request over the window asks for a compaction (a few times a turn); any other
    provider error, or one overflow too many, ends the run."""
    if error.kind != "context_window":
        raise error
    if turn["compactions"] >= deps.settings.max_compactions_per_turn:
        raise error
    update: dict[str, Any] = {"compact_request": "overflow", "turn": turn}
    if (window := stated_window(error)) is not None:  # remembered for this model
        default = deps.settings.model_name
        update["context_window"] = with_stated_window(state, default, model_id, window)
    return update


def tidy_tool_calls(response: AIMessage) -> tuple[AIMessage, bool]:
    """Make every tool call answerable; drop calls cut off by the output limit.

    Calls whose arguments were not valid JSON become calls carrying the raw text,
    so execute_tools can answer them with an error the model can act on.
    Returns the message and whether calls were dropped for `finish_reason == "length"`.
    """
    finish = (response.response_metadata or {}).get("finish_reason")
    calls = list(response.tool_calls)
    for bad in response.invalid_tool_calls:
        calls.append(
            {
                "name": bad.get("name") or "unknown",
                "args": {RAW_ARGUMENTS: bad.get("args") or "", "_error": bad.get("error") or ""},
                "id": bad.get("id") or f"call_invalid_{len(calls)}",
                "type": "tool_call",
            }
        )
    if finish == "length" and calls:
        # The provider's raw copy of the calls goes too, or it would be sent back.
        extra = {k: v for k, v in response.additional_kwargs.items() if k != "tool_calls"}
        update = {"tool_calls": [], "invalid_tool_calls": [], "additional_kwargs": extra}
        return response.model_copy(update=update), True
    if response.invalid_tool_calls:
        response = response.model_copy(update={"tool_calls": calls, "invalid_tool_calls": []})
    return response, False
