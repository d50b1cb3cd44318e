"""approval_interrupt: decide which tool calls run, asking a human once per step.

Everything before `interrupt()` is deterministic and side-effect free: on resume
LangGraph runs this node again from the top.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.types import interrupt

from adaptations.calls.blind_edit import blind_changes
from adaptations.calls.left_alone import kept_answer
from adaptations.calls.repeat_call import repeated_calls
from adaptations.calls.skill_budget import second_skills
from adaptations.reply.asked_changes import asked_note, left_alone
from adaptations.rule import applied
from models.messages import last_user_index, text_of
from nodes.context_window import known_profile
from nodes.deps import AgentDeps
from nodes.history import pending_tool_calls
from nodes.run_options import run_context
from tools.policy import Decision, PolicyContext, judge

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.runtime import Runtime

DENIED = (
    "Not run: {name} needs a human's approval every time, and this run has no human "
    "to ask (headless mode). Tell the user what you wanted to do so they can run it."
)
DENIED_BY_CONFIG = "Not run: the user's configuration denies the tool {name}."
# The rules that hold or answer a call before it runs (adaptations/registry.py).
CALL_RULES = frozenset({"repeat-call", "blind-edit", "skill-budget"})


async def approval_interrupt(
    state: Mapping[str, Any], config: RunnableConfig, runtime: Runtime, *, deps: AgentDeps
) -> dict[str, Any]:
    run = run_context(runtime, config, deps)
    calls = pending_tool_calls(state["messages"])
    model_id = state.get("model") or deps.settings.model_name
    profile = known_profile(state, model_id, deps.settings)  # the window call_model learned
    rules = profile.rules if deps.role == "agent" else frozenset()
    repeats = await _small_model_answers(state, calls, run.workspace or deps.workspace, rules)
    calls = [c for c in calls if c["id"] not in repeats]
    ctx = PolicyContext(
        mode=run.mode,
        yolo=bool(state.get("yolo") or deps.settings.approval.yolo),
        workspace=run.workspace,
        overrides=deps.settings.approval.overrides,
        left_alone=_kept(state["messages"], rules),
    )
    # Off the event loop: judging a command reads the disk (links, the shell's globs).
    decisions = await asyncio.to_thread(lambda: [_verdict(call, ctx, deps) for call in calls])
    verdicts = [d.verdict for d in decisions]
    results = [*repeats.values()]
    results += [
        _denial(c, d, deps) for c, d in zip(calls, decisions, strict=True) if d.verdict == "deny"
    ]
    approved = [c for c, v in zip(calls, verdicts, strict=True) if v == "auto"]
    asking = [c for c, v in zip(calls, verdicts, strict=True) if v == "ask"]
    update: dict[str, Any] = {}
    if asking:
        answer = interrupt(
            {
                "action_requests": [action_request(c, deps) for c in asking],
                "review_configs": [
                    {
                        "action_name": c["name"],
                        "allowed_decisions": ["approve", "edit", "reject", "respond"],
                    }
                    for c in asking
                ],
            }
        )
        decisions = parse_decisions(answer, len(asking))
        if isinstance(answer, Mapping) and answer.get("yolo"):
            update["yolo"] = True
        edited: dict[str, dict[str, Any]] = {}
        for call, decision in zip(asking, decisions, strict=True):
            kind = decision["type"]
            if kind == "approve":
                approved.append(call)
            elif kind == "edit":
                new_call = {**call, "args": edited_args(decision, call)}
                edited[call["id"]] = new_call
                approved.append(new_call)
            else:
                results.append(_human_answer(call, decision))
        if edited:
            update["messages"] = [_with_edited_calls(state["messages"], edited)]
    update["messages"] = [*update.get("messages", []), *results]
    order = {c["id"]: i for i, c in enumerate(calls)}
    update["approved_calls"] = sorted(approved, key=lambda c: order[c["id"]])
    return update


def _kept(messages: Sequence[Any], rules: frozenset[str]) -> tuple[str, ...]:
    """The files the request says not to change, when the `left-alone` rule is active: the
    policy denies a change to them."""
    if "left-alone" not in rules:
        return ()
    i = last_user_index(messages)
    request = text_of(messages[i].content) if i >= 0 else ""
    return tuple(applied("left-alone", partial(left_alone, request), []))


async def _small_model_answers(
    state: Mapping[str, Any],
    calls: Sequence[Mapping[str, Any]],
    workspace: Any,
    rules: frozenset[str],
) -> dict[str, ToolMessage]:
    """The calls the active `call` rules answer without running: repeats of the previous
    call, a change sent with the `read` of its own file (and the calls after it), and a
    second skill in one turn."""
    if not calls or not rules & CALL_RULES:
        return {}
    messages = state["messages"]
    i = last_user_index(messages)
    request = text_of(messages[i].content) if i >= 0 else ""
    turn = messages[i + 1 :] if i >= 0 else messages

    def held_by(rule: str, find: Callable[[], Mapping[str, ToolMessage]]) -> dict[str, ToolMessage]:
        return dict(applied(rule, find, {})) if rule in rules else {}

    repeats = held_by("repeat-call", lambda: repeated_calls(messages, calls))
    held = held_by("blind-edit", lambda: blind_changes(calls))
    held |= held_by("skill-budget", lambda: second_skills(turn, calls))
    if repeats and i >= 0:  # said again with what the request still asks for, if anything
        digests = (state.get("turn") or {}).get("asked_digests")
        root = Path(workspace or ".")
        left = await asyncio.to_thread(asked_note, request, root, turn, digests)
        repeats = repeated_calls(messages, calls, left) if left else repeats
    return held | repeats


def _verdict(call: Mapping[str, Any], ctx: PolicyContext, deps: AgentDeps) -> Decision:
    spec = deps.catalog.get(call["name"])
    if spec is None:
        return Decision("auto", "known_safe")  # unknown tools never run; execute_tools says so
    return judge(call["name"], call.get("args") or {}, spec.approval, ctx)


def action_request(call: Mapping[str, Any], deps: AgentDeps) -> dict[str, Any]:
    args = call.get("args") or {}
    spec = deps.catalog.get(call["name"])
    description = (
        spec.describe_call(args) if spec is not None else f"Call {call['name']} with {args}"
    )
    return {"name": call["name"], "args": args, "id": call["id"], "description": description}


def parse_decisions(answer: Any, expected: int) -> list[dict[str, Any]]:
    """The human's decisions, one per request; anything missing or malformed rejects."""
    raw: Sequence[Any] = []
    if isinstance(answer, Mapping):
        raw = answer.get("decisions") or []
    elif isinstance(answer, list):
        raw = answer
    decisions: list[dict[str, Any]] = []
    for i in range(expected):
        item = raw[i] if i < len(raw) else None
        if isinstance(item, str):
            item = {"type": item}
        if not isinstance(item, Mapping) or item.get("type") not in {
            "approve",
            "reject",
            "edit",
            "respond",
        }:
            item = {"type": "reject", "message": "No valid decision was given for this call."}
        decisions.append(dict(item))
    return decisions


def edited_args(decision: Mapping[str, Any], call: Mapping[str, Any]) -> dict[str, Any]:
    action = decision.get("edited_action") or {}
    args = action.get("args") if isinstance(action, Mapping) else None
    if args is None:
        args = decision.get("args")
    return dict(args) if isinstance(args, Mapping) else dict(call.get("args") or {})


def _human_answer(call: Mapping[str, Any], decision: Mapping[str, Any]) -> ToolMessage:
    message = str(decision.get("message") or "").strip()
    if decision["type"] == "respond":
        content = message or "(the user answered without text)"
        return ToolMessage(content=content, tool_call_id=call["id"], name=call["name"])
    content = (
        f"The user rejected this call; it was not run. Feedback: {message}"
        if message
        else (
            "The user rejected this call; it was not run. Ask what they want instead, or take another approach."
        )
    )
    return ToolMessage(content=content, tool_call_id=call["id"], name=call["name"], status="error")


def _denial(call: Mapping[str, Any], decision: Decision, deps: AgentDeps) -> ToolMessage:
    if decision.reason == "left_alone":
        return kept_answer(call)
    template = (
        DENIED_BY_CONFIG if deps.settings.approval.overrides.get(call["name"]) == "deny" else DENIED
    )
    return ToolMessage(
        content=template.format(name=call["name"]),
        tool_call_id=call["id"],
        name=call["name"],
        status="error",
    )


def _with_edited_calls(messages: Sequence[Any], edited: Mapping[str, dict[str, Any]]) -> AIMessage:
    """The AI message again (same id, so it replaces itself) with the human's edits."""
    for message in reversed(messages):
        if isinstance(message, AIMessage) and any(c["id"] in edited for c in message.tool_calls):
            calls = [edited.get(c["id"], c) for c in message.tool_calls]
            return message.model_copy(update={"tool_calls": calls})
    raise ValueError("edited calls do not belong to any AI message")
