"""Assemble the agent graph: five nodes and the routes between them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from adaptations.loops import counted
from compat.langgraph import RunnableCallable, runtime_of
from configs.run_context import RunContext
from graph.state import AgentState, ToolTask
from models.messages import note_kind
from nodes.approval_interrupt import approval_interrupt
from nodes.approval_judgement import judge, records
from nodes.approval_record import RECORD, Site, detached
from nodes.call_model import back_to_work, call_model
from nodes.call_order import expect, named_file
from nodes.compact import compact, needs_compact
from nodes.deps import AgentDeps
from nodes.doom_check import detect_loop, doom_check, tool_signatures
from nodes.execute_tools import execute_tools
from nodes.history import all_answered, earlier_calls
from tools.adaptation_guard import counting

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.graph.state import CompiledStateGraph


def to_model(state: AgentState) -> Literal["doom_check", "call_model"]:
    """The loop guard's node runs only when it may have something to say: a superstep (a
    checkpoint, its writes, the stream's events) for nothing was a quarter of a run's
    checkpoints. After a step of several calls each call's router sees only its own result,
    so the node, which sees them all, decides then."""
    messages = state.get("messages") or []
    if detect_loop(tool_signatures(messages)) or not all_answered(messages):
        return "doom_check"
    return "call_model"


def entry_router(
    deps: AgentDeps,
) -> Callable[[AgentState], Awaitable[Literal["compact", "doom_check", "call_model"]]]:
    # A plain function with a typed `state` (not a partial): LangGraph reads the
    # annotation to give the router the whole state, not just the node's input.
    # Routers are async so LangGraph runs them on the loop, not via a thread pool.
    async def route_entry(state: AgentState) -> Literal["compact", "doom_check", "call_model"]:
        """Before each model call: compact first when the context is over budget."""
        return "compact" if needs_compact(state, deps) else to_model(state)

    return route_entry


async def route_after_compact(
    state: AgentState,
) -> Literal["doom_check", "call_model", "__end__"]:
    return END if state.get("stop_reason") in ("compacted", "compact_failed") else to_model(state)


async def route_after_doom_check(state: AgentState) -> Literal["call_model", "__end__"]:
    return END if state.get("stop_reason") == "doom_loop" else "call_model"


def after_model_router(
    deps: AgentDeps,
) -> Callable[..., Awaitable[list[Send] | str]]:
    """The route after `call_model`. A reply with calls goes to `approval_interrupt`, unless
    the judgement leaves it nothing to do (`sent_at_once`): then straight to its tasks."""

    async def route_after_model(
        state: AgentState, config: RunnableConfig
    ) -> (
        list[Send] | Literal["approval_interrupt", "compact", "doom_check", "call_model", "__end__"]
    ):
        if state.get("stop_reason") in ("max_iterations", "max_cost"):
            return END
        if state.get("compact_request") == "overflow":
            return "compact"
        if not state.get("messages"):
            return END
        last = state["messages"][-1]
        if isinstance(last, AIMessage) and last.tool_calls:
            return await sent_at_once(state, config, deps) or "approval_interrupt"
        if back_to_work(note_kind(last)):
            return to_model(state)
        return END

    return route_after_model


async def sent_at_once(
    state: AgentState, config: RunnableConfig, deps: AgentDeps
) -> list[Send] | None:
    """The reply's calls as `execute_tools` tasks, each with its record made here (call_model's
    step, as approval's would be), when the judgement leaves approval nothing to write: every
    pending call approved, none for a person, none answered in its place, no rule fired while
    judging. None otherwise, and outside a step of a run (a state update): approval's step
    then judges again, asks and writes."""
    runtime = runtime_of(config)
    if Site.of_approval(config).step is None or runtime is None:
        return None
    with counting() as tally:
        judged = await judge(state, config, runtime, deps)
    if judged.asking or judged.results or not judged.approved or tally.rules:
        return None
    entries = await records(judged.calls, judged.approved, config, state["messages"])
    return tool_sends(state, [detached(entry) for entry in entries])


async def route_after_approval(
    state: AgentState,
) -> list[Send] | Literal["doom_check", "call_model"]:
    """One task per approved call, so a crash re-runs only the unfinished ones. Calls all
    answered without running (refused, or a small model's repeat) still pass the loop guard.
    Each task carries its call's approval record (nodes/approval_record.py) as approval wrote it:
    `execute_tools` checks it."""
    entries = [detached(entry) for entry in state.get("approved_calls") or []]
    return tool_sends(state, entries) if entries else to_model(state)


def tool_sends(state: AgentState, entries: list[tuple[dict[str, Any], Any]]) -> list[Send]:
    """One `execute_tools` task per (call, record), registered before any starts
    (nodes/call_order.py)."""
    approved = [call for call, _ in entries]
    model = state.get("model")
    spent = float((state.get("usage") or {}).get("job_cost_usd", 0.0))
    expect(call["id"] for call in approved)
    return [
        Send("execute_tools", {**tool_task(state, call, model, spent, approved[:i]), RECORD: kept})
        for i, (call, kept) in enumerate(entries)
    ]


def tool_task(
    state: AgentState,
    call: dict[str, Any],
    model: Any,
    spent: float,
    before: list[dict[str, Any]],
) -> ToolTask:
    """A call's task: the calls sent before it in its reply; for a call asking to `replay`,
    its tool's earlier calls that ran."""
    task = ToolTask(call=call, model=model, job_spent_usd=spent)
    task["sent_before"] = [
        {"id": c["id"], "name": c["name"], "path": named_file(c.get("args") or {})} for c in before
    ]
    if state.get("context_window") is not None:
        task["context_window"] = state.get("context_window")
    if (call.get("args") or {}).get("replay") is True:
        task["earlier_calls"] = earlier_calls(state.get("messages") or [], call["name"])
    return task


def direct(route: Callable[..., Awaitable[Any]]) -> RunnableCallable:
    """A router LangGraph calls directly, as a plain await: `add_conditional_edges` would wrap
    a bare function as a traced run (a callback manager, a run's start and end, a task of its
    own), three a step for nothing: a router returns a node's name, which no stream mode and no
    front end reads. Its typed `state` still gives it the whole state (the branch's schema is
    read from the function, as for a bare one)."""
    return RunnableCallable(None, route, trace=False)


def build_graph(
    deps: AgentDeps, checkpointer: BaseCheckpointSaver | None = None
) -> CompiledStateGraph[Any]:
    builder = StateGraph(AgentState, context_schema=RunContext)
    # Each node's step counts the rules that fired in it (adaptations/loops.py `counted`).
    builder.add_node("compact", counted(partial(compact, deps=deps)))
    builder.add_node("doom_check", counted(partial(doom_check, deps=deps)))
    builder.add_node("call_model", counted(partial(call_model, deps=deps)))
    builder.add_node("approval_interrupt", counted(partial(approval_interrupt, deps=deps)))
    builder.add_node(
        "execute_tools", counted(partial(execute_tools, deps=deps)), input_schema=ToolTask
    )
    entry = direct(entry_router(deps))
    to_guard_or_model = ["doom_check", "call_model"]
    builder.add_conditional_edges(START, entry, ["compact", *to_guard_or_model])
    builder.add_conditional_edges("execute_tools", entry, ["compact", *to_guard_or_model])
    after_compact = direct(route_after_compact)
    builder.add_conditional_edges("compact", after_compact, [*to_guard_or_model, END])
    after_guard = direct(route_after_doom_check)
    builder.add_conditional_edges("doom_check", after_guard, ["call_model", END])
    after_model = direct(after_model_router(deps))
    builder.add_conditional_edges(
        "call_model",
        after_model,
        ["approval_interrupt", "execute_tools", "compact", *to_guard_or_model, END],
    )
    after_approval = direct(route_after_approval)
    builder.add_conditional_edges(
        "approval_interrupt", after_approval, ["execute_tools", *to_guard_or_model]
    )
    return builder.compile(checkpointer=checkpointer, name="ml_intern")
