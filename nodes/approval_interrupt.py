"""approval_interrupt: decide which tool calls run, asking a human once per step.

Everything before `interrupt()` is deterministic and side-effect free: on resume
LangGraph runs this node again from the top. The policy decides (tools/policy.py
`judge_reply`, with the calls the rules' `policy` hooks deny); this node applies it. Each
call it approves carries its record (nodes/approval_record.py): `execute_tools` runs nothing
without one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.types import interrupt

from adaptations.hooks import Pending
from adaptations.loops import policy_denials
from adaptations.rule import hooked
from nodes.approval_record import Site, approval_key, calling_message_id, with_record
from nodes.deps import AgentDeps
from nodes.history import pending_tool_calls
from nodes.run_options import run_context
from nodes.thread_rules import known_rules
from nodes.turn import turn_of
from tools.policy import Decision, PolicyContext, judge_reply

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.runtime import Runtime

DENIED = (
    "Not run: {name} needs a human's approval every time, and this run has no human "
    "to ask (headless mode). Tell the user what you wanted to do so they can run it."
)
DENIED_BY_CONFIG = "Not run: the user's configuration denies the tool {name}."


async def approval_interrupt(
    state: Mapping[str, Any], config: RunnableConfig, runtime: Runtime, *, deps: AgentDeps
) -> dict[str, Any]:
    run = run_context(runtime, config, deps)
    calls = pending_tool_calls(state["messages"])
    model_id = state.get("model") or deps.settings.model_name
    # The window call_model learned; resolved once per thread and role.
    rules = known_rules(state, model_id, deps.settings, deps.role).active.rules
    approvals = {spec.name: spec.approval for spec in deps.catalog}
    workspace = Path(run.workspace or deps.workspace or ".")
    pending = Pending(state["messages"], calls, turn_of(state), workspace, approvals, rules)
    ctx = PolicyContext(
        mode=run.mode,
        yolo=bool(state.get("yolo") or deps.settings.approval.yolo),
        workspace=run.workspace,
        overrides=deps.settings.approval.overrides,
    )
    # Off the event loop, in one hop: the rules may read the workspace, and judging a
    # command reads the disk (links, the shell's globs).
    answered, told, decisions = await asyncio.to_thread(judged_reply, pending, ctx)
    judged = [(c, d) for c, d in zip(calls, decisions, strict=True) if c["id"] not in answered]
    results = [*answered.values(), *_denials(judged, told, deps)]
    approved = [c for c, d in judged if d.verdict == "auto"]
    update: dict[str, Any] = {}
    if asking := [c for c, d in judged if d.verdict == "ask"]:
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
        if isinstance(answer, Mapping) and answer.get("yolo"):
            update["yolo"] = True
        edited = _apply_answers(asking, parse_decisions(answer, len(asking)), approved, results)
        if edited:
            update["messages"] = [_with_edited_calls(state["messages"], edited)]
    if messages := [*update.get("messages", []), *results]:  # none: no write to save
        update["messages"] = messages
    order = {c["id"]: i for i, c in enumerate(calls)}
    site, message_id = Site.of_approval(config), calling_message_id(state["messages"])
    key = await approval_key() if approved else b""
    update["approved_calls"] = [
        with_record(key, c, site, message_id)
        for c in sorted(approved, key=lambda c: order[c["id"]])
    ]
    return update


def judged_reply(
    pending: Pending, ctx: PolicyContext
) -> tuple[dict[str, ToolMessage], dict[str, ToolMessage], list[Decision]]:
    """The reply's calls as the rules and the policy take them: the calls the rules answer
    instead of running (`held_calls`), the answers to those the rules deny (`policy_denials`,
    the whole reply seen: a blind change is one after its `read`), and the policy's decision
    on each call, the denied ones denied. Blocking: run off the loop."""
    answered = held_calls(pending) if pending.calls else {}
    told = policy_denials(pending.rules, pending)
    return answered, told, judge_reply(pending.calls, pending.approvals, ctx, told.keys())


def held_calls(pending: Pending) -> dict[str, ToolMessage]:
    """The `wrap_tool_call` loop: the calls the rules answer instead of running, by call id (the
    first rule's answer stands). Blocking (a rule may read the workspace): run off the loop."""
    answered: dict[str, ToolMessage] = {}
    for rule in pending.rules:
        for call_id, answer in hooked(rule.name, partial(rule.wrap_tool_call, pending), {}).items():
            answered.setdefault(call_id, answer)
    return answered


def _apply_answers(
    asking: Sequence[Mapping[str, Any]],
    decisions: Sequence[Mapping[str, Any]],
    approved: list[Mapping[str, Any]],
    results: list[ToolMessage],
) -> dict[str, dict[str, Any]]:
    """The human's decisions applied: approved calls (edited ones with their new arguments)
    join `approved`, the rest answer in `results`; the edited calls by id."""
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
    return edited


def _denials(
    judged: Sequence[tuple[Mapping[str, Any], Decision]],
    told: Mapping[str, ToolMessage],
    deps: AgentDeps,
) -> list[ToolMessage]:
    """The answers to the denied calls, in order: a rule's own (`told`), else why not."""
    return [told.get(c["id"]) or _denial(c, deps) for c, d in judged if d.verdict == "deny"]


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


def _denial(call: Mapping[str, Any], deps: AgentDeps) -> ToolMessage:
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
