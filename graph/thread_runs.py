"""Which runs a thread sees: those whose launching call is in its current history.

So undo, fork and resume show the runs the way they show the conversation: an undone call's
run is hidden (its row stays), a fork sees the runs its copied history launched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from langchain_core.messages import AnyMessage

from graph.state import AgentState
from nodes.history import calls_in
from store.checkpointer import open_checkpointer
from store.experiments import Experiment, Ledger


def launching_calls(messages: Sequence[AnyMessage]) -> list[str]:
    """The ids of every tool call the history made (a compaction's summary keeps its own)."""
    return calls_in(messages)


async def thread_messages(db: Path, thread_id: str) -> list[AnyMessage]:
    """A thread's current messages, read through LangGraph with only the state's channels."""
    from langgraph.graph import END, START, StateGraph

    builder = StateGraph(AgentState)
    builder.add_node("read", lambda _state: {})
    builder.add_edge(START, "read")
    builder.add_edge("read", END)
    async with open_checkpointer(db) as saver:
        graph = builder.compile(checkpointer=saver)
        snapshot = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    return list((snapshot.values or {}).get("messages") or [])


async def thread_runs(db: Path, thread_id: str, *, series: bool = True) -> list[Experiment]:
    """The runs a thread sees now: those launched by a call in its current history."""
    if not await asyncio.to_thread(db.exists):  # listing never creates a database
        return []
    calls = launching_calls(await thread_messages(db, thread_id))
    return await asyncio.to_thread(visible_runs, db, thread_id, calls, series)


def visible_runs(
    db: Path, thread_id: str, calls: list[str], series: bool = False
) -> list[Experiment]:
    """The runs `calls` launched (blocking: SQLite), their summaries unless `series`."""
    if not db.exists():
        return []
    with Ledger(db) as ledger:
        return ledger.visible(thread_id, calls, series=series)
