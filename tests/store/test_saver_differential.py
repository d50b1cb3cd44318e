"""The same scripted run on LangGraph's own SQLite saver and on MessageStoreSaver reads back
the same: every checkpoint of the history, in order, with the same state values."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from graph.session import Session
from nodes.deps import AgentDeps
from store.message_store import MessageStoreSaver
from store.thread_index import ThreadIndex
from tests.fakes.agent import collect, fast_settings
from tests.fakes.scripted_model import ScriptedChatModel, says, tool_call
from tools.families import build_catalog

THREAD = "00000000-0000-4000-8000-000000000001"


def script() -> list[Any]:
    return [
        says("Making it.", tool_call("bash", {"command": "seq 1 3000; touch made.txt"}, "c1")),
        says("Made it."),
        says("Reading it.", tool_call("read", {"path": "made.txt"}, "c2")),
        says("It is empty."),
        says("This goes away with undo."),
        says("## Summary\nA file was made and read."),  # the compaction's summary
    ]


@asynccontextmanager
async def stock_saver(path: Path) -> AsyncIterator[Any]:
    async with aiosqlite.connect(str(path)) as conn:
        saver = AsyncSqliteSaver(conn)
        await saver.setup()
        yield saver


@asynccontextmanager
async def our_saver(path: Path) -> AsyncIterator[Any]:
    saver = MessageStoreSaver(path)
    try:
        yield saver
    finally:
        saver.close()


async def history_of(
    saver_factory: Any, root: Path, *, prune: bool = False
) -> list[dict[str, Any]]:
    """Run the scenario on a fresh saver; the thread's whole history, normalised."""
    workspace, home = root / "ws", root / "home"
    workspace.mkdir(parents=True)
    settings = fast_settings()
    model = ScriptedChatModel(steps=script())
    deps = AgentDeps(settings, build_catalog(settings), home, chat_model_factory=lambda _m: model)
    async with saver_factory(root / "threads.sqlite") as saver:
        session = Session(
            settings=settings,
            deps=deps,
            checkpointer=saver,
            index=ThreadIndex(home / "index.sqlite"),
            thread_id=THREAD,
            workspace=workspace,
        )
        await collect(session.send("make a file"))  # bash asks: an approval interrupt
        await collect(session.resume([{"type": "approve"}]))
        await collect(session.send("read it"))
        await collect(session.send("and then?"))
        assert (await session.undo()).type == "undo_complete"
        await collect(session.compact())
        if prune:
            await saver.aprune([THREAD], strategy="keep_latest")
        return [normalised(s) async for s in session.graph.aget_state_history(session.config)]


def normalised(snapshot: Any) -> dict[str, Any]:
    """What must match: values, the next nodes and where each step came from (not ids or times)."""
    values = dict(snapshot.values)
    values["messages"] = [
        (m.type, m.content, [(c["name"], c["args"], c["id"]) for c in getattr(m, "tool_calls", [])])
        for m in values.get("messages") or []
    ]
    values.pop("turn", None)  # keyed by the user message's id, which differs run to run
    # An approval record binds the AI message's id (and each home keys its own): the calls, then.
    values["approved_calls"] = [
        {k: v for k, v in call.items() if k != "approval"}
        for call in values.get("approved_calls") or []
    ]
    meta = snapshot.metadata or {}
    return {
        "values": values,
        "next": snapshot.next,
        "source": meta.get("source"),
        "step": meta.get("step"),
        "interrupts": [i.value for i in snapshot.interrupts],
    }


async def test_same_history_on_both_savers(tmp_path: Path) -> None:
    stock = await history_of(stock_saver, tmp_path / "stock")
    ours = await history_of(our_saver, tmp_path / "ours")
    assert len(ours) > 15
    assert [s["source"] for s in ours] == [s["source"] for s in stock]
    for index, (mine, theirs) in enumerate(zip(ours, stock, strict=True)):
        assert mine == theirs, f"checkpoint {index} differs"
    assert any(s["interrupts"] for s in ours)  # the approval is in the history
    assert ours[0]["values"]["messages"][1][1].startswith("[Summary")  # compacted at the end


async def test_pruning_to_the_latest_checkpoint_keeps_the_thread_readable(tmp_path: Path) -> None:
    full = await history_of(our_saver, tmp_path / "full")
    pruned = await history_of(our_saver, tmp_path / "pruned", prune=True)
    assert len(pruned) == 1
    assert pruned[0]["values"] == full[0]["values"]  # messages rebuilt from the dropped chain
