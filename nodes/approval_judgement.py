"""The approval policy's judgement of a reply's calls, and the records of the calls it approves.

`judge` is deterministic and side-effect free: `approval_interrupt` runs it (again on resume),
and so does the route after `call_model` (graph/builder.py `after_model_router`), which sends
the calls to `execute_tools` at once when nobody is asked and nothing is answered in their
place: one superstep (a checkpoint, its writes, the stream's events) less a tool step. The
policy decides (tools/policy.py `judge_reply`, with the calls the rules' `policy` hooks deny);
each approved call carries its record (nodes/approval_record.py), made where it was judged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import ToolMessage

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

DENIED = (
    "Not run: {name} needs a human's approval every time, and this run has no human "
    "to ask (headless mode). Tell the user what you wanted to do so they can run it."
)
DENIED_BY_CONFIG = "Not run: the user's configuration denies the tool {name}."


@dataclass(frozen=True)
class Judgement:
    """A reply's pending calls as judged: the answers written in place of some (the rules',
    then the denials), the calls approved and those a human must decide, each in reply order."""

    calls: list[dict[str, Any]]
    results: list[ToolMessage]
    approved: list[dict[str, Any]]
    asking: list[dict[str, Any]]


async def judge(
    state: Mapping[str, Any], config: RunnableConfig, runtime: Any, deps: AgentDeps
) -> Judgement:
    """The policy's and the rules' judgement of the newest reply's pending calls."""
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
    return Judgement(
        calls=calls,
        results=[*answered.values(), *_denials(judged, told, deps)],
        approved=[c for c, d in judged if d.verdict == "auto"],
        asking=[c for c, d in judged if d.verdict == "ask"],
    )


async def records(
    calls: Sequence[Mapping[str, Any]],
    approved: Sequence[Mapping[str, Any]],
    config: RunnableConfig,
    messages: Sequence[Any],
) -> list[dict[str, Any]]:
    """The approved calls in reply order (`calls`), each with its record for this step."""
    order = {c["id"]: i for i, c in enumerate(calls)}
    site, message_id = Site.of_approval(config), calling_message_id(messages)
    key = await approval_key() if approved else b""
    return [
        with_record(key, c, site, message_id)
        for c in sorted(approved, key=lambda c: order[c["id"]])
    ]


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


def _denials(
    judged: Sequence[tuple[Mapping[str, Any], Decision]],
    told: Mapping[str, ToolMessage],
    deps: AgentDeps,
) -> list[ToolMessage]:
    """The answers to the denied calls, in order: a rule's own (`told`), else why not."""
    return [told.get(c["id"]) or _denial(c, deps) for c, d in judged if d.verdict == "deny"]


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
