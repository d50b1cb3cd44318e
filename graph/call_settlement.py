"""Settling a turn's tool calls when a run stops early: every call answered, every token counted.

A cancel (Ctrl-C) or a new message over a pending approval leaves calls without results.
`unanswered_calls` gives each one a result (finished ones keep theirs) and the usage the
finished results carried; `SpendLedger` keeps what a sub-agent spent for a call that has no
result yet, so a cancelled research still adds its tokens to the thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_core.messages import ToolMessage

from graph.events import Event
from models.usage import Usage, sum_usage
from nodes.history import interrupted_results, pending_tool_calls
from tools.call_context import interrupted_note

if TYPE_CHECKING:
    from langgraph.types import StateSnapshot


def unanswered_calls(snapshot: StateSnapshot, text: str) -> tuple[list[ToolMessage], Usage]:
    """Results for the last AI message's calls: finished ones kept (with the usage their
    results carried), the rest marked `text`."""
    messages = (snapshot.values or {}).get("messages") or []
    pending = pending_tool_calls(messages)
    spent = sum_usage(None, None)
    if not pending:
        return [], spent
    finished: dict[str, ToolMessage] = {}
    for task in snapshot.tasks:
        result = task.result if isinstance(task.result, dict) else {}
        for message in result.get("messages", []):
            if isinstance(message, ToolMessage):
                finished[message.tool_call_id] = message
                spent = sum_usage(spent, result.get("usage"))
    missing = [c for c in pending if c["id"] not in finished]
    kept = [finished[c["id"]] for c in pending if c["id"] in finished]
    cut = [with_note(m) for m in interrupted_results(missing, text)]
    return [*kept, *cut], spent


def with_note(message: ToolMessage) -> ToolMessage:
    """A cut-off call's result plus what its tool asked the model to know (a job still runs)."""
    note = interrupted_note(message.tool_call_id)
    if note is None:
        return message
    return message.model_copy(update={"content": f"{message.content} {note}"})


class SpendLedger:
    """A sub-agent's spend per tool call, until the call's result (which carries it) lands."""

    def __init__(self) -> None:
        self._open: dict[str, Usage] = {}

    def note(self, event: Event) -> None:
        call_id = event.data.get("tool_call_id")
        if event.type == "usage" and event.data.get("agent") and call_id:
            self._open[call_id] = sum_usage(self._open.get(call_id), event.data)
        elif event.type == "tool_output" and call_id:
            self._open.pop(call_id, None)

    def settle(self, results: list[ToolMessage], text: str, spent: Usage) -> Usage:
        """`spent` plus what sub-agents spent on the calls answered with `text`; then empty."""
        for message in results:
            if str(message.content).startswith(text):
                spent = sum_usage(spent, self._open.get(message.tool_call_id))
        self._open.clear()
        return spent
