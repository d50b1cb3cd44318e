"""call_model: ask the model for the next step, with retries and usage accounting."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage
from langgraph.config import get_stream_writer

from adaptations.hooks import ModelStep, Shape
from adaptations.loops import after_model, before_model, sent_back, wrapped
from adaptations.resolve import Active, reply_notes
from adaptations.turn import Turn
from models.messages import NoteKind, note
from models.provider_errors import ProviderError, stated_window
from models.texts import LENGTH_NOTE
from models.usage import call_usage, sum_usage
from nodes.context_window import with_stated_window
from nodes.deps import AgentDeps
from nodes.history import own_reasoning_only, stamped
from nodes.invoke import invoke_thinking
from nodes.model_prompt import build_prompt
from nodes.plan_guard import plan_guard
from nodes.reasoning import effort_kwargs, replay_anchor
from nodes.reply_calls import tidy_tool_calls
from nodes.run_options import run_context
from nodes.thread_rules import thread_rules
from nodes.turn import turn_of
from tools.families import offered_tools

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.runtime import Runtime

__all__ = ["BACK_TO_WORK", "back_to_work", "call_model", "tidy_tool_calls"]


def back_to_work(kind: str | None) -> bool:
    """The note after a reply sends the model back to work instead of ending the turn: the
    length note, the plan reminder, or a rule's reply note (adaptations/resolve.py
    `reply_notes`)."""
    return kind in BACK_TO_WORK or kind in reply_notes()


BACK_TO_WORK: tuple[NoteKind, ...] = ("length_note", "plan_reminder")


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
    resolved, learned = await thread_rules(state, model_id, deps.settings, deps.role)
    profile, rules = resolved.profile, resolved.active  # resolved once per thread and role
    shown = own_reasoning_only(await build_prompt(state, run, profile, rules, deps), model_id)
    history = state.get("messages") or []
    workspace = Path(run.workspace or ".")
    step = ModelStep(profile, rules.shape, history, shown, list(shown), turn, workspace)
    if run.max_iterations is not None:
        step.calls_left = run.max_iterations - turn["iterations"]
    before_model(rules.rules, step)
    shape = rules.shape
    tools = _offered(deps, shape, history)
    try:
        effort = state.get("effort") or deps.settings.reasoning_effort
        extra = effort_kwargs(model_id, effort, step.prompt) | shape.reply_kwargs()
        ask = partial(
            invoke_thinking, deps, model_id, step.prompt, config, tools=tools, advice=run.advice
        )
        response = await wrapped(rules.rules, step, ask)(extra | step.kwargs)
    except ProviderError as error:
        return _overflowed(error, state, turn, deps, model_id)

    response, dropped = tidy_tool_calls(response)
    response = after_model(rules.rules, step, response)
    prompt = step.prompt
    # The note a thinking reply followed is kept just before it (see `replay_anchor`).
    messages: list[BaseMessage] = [*step.ahead, *map(stamped, replay_anchor(prompt, response))]
    response = stamped(response, written_by=model_id)
    messages.append(response)
    spent = call_usage(profile, prompt, response)
    get_stream_writer()({"type": "usage", "model": model_id, **spent})
    turn["iterations"] += 1
    # The compaction limit guards against compact/overflow loops around one model
    # call; a long turn may compact many times, so it resets once a call succeeds.
    turn["compactions"] = 0
    step.response = response
    follow_up, stop = _follow_up(state, step, rules, dropped=dropped, mode=run.mode)
    wasted = step.wasted
    return {
        "messages": [*messages, *follow_up],
        "turn": turn,
        "usage": sum_usage(spent, wasted) if wasted else spent,  # a delta (graph/state.py)
        **changed(state, model=model_id, stop_reason=stop, compact_request=None),
        **({"context_window": learned} if learned else {}),
    }


def _offered(deps: AgentDeps, shape: Shape, history: list[Any]) -> list[Any]:
    """The tools bound to this call, as the model's shape has them."""
    return offered_tools(
        deps.catalog,
        small=shape.core_toolset,
        lean=shape.lean_request,
        history=history,
        python=shape.python_tool,
    )


def changed(state: Mapping[str, Any], **values: Any) -> dict[str, Any]:
    """The values that differ from the state's (an unset key reads as None): a key written
    unchanged is still a write, saved, versioned and sent with each superstep."""
    return {key: value for key, value in values.items() if state.get(key) != value}


def _follow_up(
    state: Mapping[str, Any], step: ModelStep, rules: Active, *, dropped: bool, mode: str
) -> tuple[list[BaseMessage], str | None]:
    """The note that sends the model back to work, if any (a rule's `check_reply`, once a
    turn per rule's memory), and the turn's stop reason."""
    if dropped:
        return [note("length_note", LENGTH_NOTE)], None
    if step.response is None or step.response.tool_calls:
        return [], None
    if (back := sent_back(rules.rules, step)) is not None:
        return [back], None
    if mode == "headless":
        reminder, stop = plan_guard(state, step.turn)
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
