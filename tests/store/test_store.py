"""The checkpoint store: messages stored once, old threads readable, prune, busy files."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.tools import StructuredTool

from graph.session import Session
from store.checkpointer import DB_NAME, open_checkpointer, prune, prune_thread
from tests.fakes.agent import collect, fast_settings
from tests.fakes.scripted_model import ScriptedChatModel, says, tool_call
from tools.catalog import ToolCatalog, ToolSpec
from tools.policy import always

OUTPUT_BYTES = 3_000


def output(n: int) -> str:
    return f"step {n} " + "log line of a training run\n" * (OUTPUT_BYTES // 27)


def catalog() -> ToolCatalog:
    async def emit(n: int) -> str:
        """Print the log of step n."""
        return output(n)

    tool = StructuredTool.from_function(coroutine=emit, name="emit")
    return ToolCatalog([ToolSpec(tool=tool, family="local", approval=always("auto"))])


def calls(count: int, start: int = 1) -> list[AIMessage]:
    """`count` tool calls with distinct arguments, then a final answer."""
    steps = [
        says(f"step {n}", tool_call("emit", {"n": n}, f"call_{n}"))
        for n in range(start, start + count)
    ]
    return [*steps, says(f"done after {start + count - 1}")]


@asynccontextmanager
async def session(
    home: Path, model: ScriptedChatModel, thread_id: str = "t"
) -> AsyncIterator[Session]:
    async with Session.open(
        fast_settings(compact_at_tokens=10**9, max_iterations=500),
        thread_id=thread_id,
        mode="headless",
        home=home,
        workspace=home,
        catalog=catalog(),
        chat_model_factory=lambda _id: model,
    ) as opened:
        yield opened


def table(home: Path, query: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(home / DB_NAME)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


def contents(messages: list[BaseMessage]) -> list[Any]:
    return [(m.type, m.content, m.id) for m in messages]


async def test_each_message_is_stored_once_across_writes_and_snapshots(isolated_home: Path) -> None:
    model = ScriptedChatModel(steps=calls(60))  # 2 message writes per iteration: snapshots happen
    async with session(isolated_home, model) as s:
        await collect(s.send("train"))
        messages = await s.messages()
    assert len(messages) == 122
    snapshots = table(
        isolated_home, "SELECT count(*) FROM checkpoints WHERE type = 'ml_intern/msgpack+refs'"
    )
    assert snapshots[0][0] >= 1
    assert table(isolated_home, "SELECT count(*) FROM ml_intern_messages") == [(len(messages),)]
    needle = "CAST('log line of a training run' AS BLOB)"
    copies = table(
        isolated_home, f"SELECT count(*) FROM checkpoints WHERE instr(checkpoint, {needle})"
    )
    copies += table(isolated_home, f"SELECT count(*) FROM writes WHERE instr(value, {needle})")
    assert copies == [(0,), (0,)], "tool outputs are copied outside the message table"
    async with session(isolated_home, ScriptedChatModel()) as reopened:
        assert contents(await reopened.messages()) == contents(messages)


async def test_threads_written_by_langgraphs_sqlite_saver_stay_readable(
    isolated_home: Path,
) -> None:
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    import graph.session

    @asynccontextmanager
    async def stock(path: Path) -> AsyncIterator[AsyncSqliteSaver]:
        path.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(str(path)) as conn:
            saver = AsyncSqliteSaver(conn)
            await saver.setup()
            yield saver

    model = ScriptedChatModel(steps=[*calls(40), *calls(1, start=41)])
    original = graph.session.open_checkpointer
    graph.session.open_checkpointer = stock
    try:
        async with session(isolated_home, model) as s:
            await collect(s.send("train"))
            before = contents(await s.messages())
    finally:
        graph.session.open_checkpointer = original
    async with session(isolated_home, model) as s:
        assert contents(await s.messages()) == before
        await collect(s.send("one more"))
        after = await s.messages()
        assert contents(after[: len(before)]) == before and after[-1].content == "done after 41"
        undo = await s.undo()
        assert undo.type == "undo_complete" and contents(await s.messages()) == before


Transcript = list[tuple[str, str, str]]


async def a_thread_with_an_undone_turn(home: Path) -> tuple[Transcript, Transcript]:
    """Thread "t": three turns, one undone between them (an abandoned branch); its messages,
    and those before its last question."""
    model = ScriptedChatModel(
        steps=[*calls(40), *calls(2, start=41), *calls(1, start=43), *calls(1, start=44)]
    )
    async with session(home, model) as s:
        await collect(s.send("first"))
        await collect(s.send("second"))
        await collect(s.send("abandoned"))
        await s.undo()  # leaves an abandoned branch behind
        await collect(s.send("third"))
        state = contents(await s.messages())
    return state, state[: state.index(next(m for m in state if m[1] == "third"))]


async def reads_back_undoes_and_goes_on(
    home: Path, state: Transcript, before_third: Transcript
) -> None:
    """After a prune: the same messages, the latest turn undone, and a new turn."""
    async with session(home, ScriptedChatModel(steps=calls(1, start=45))) as s:
        assert contents(await s.messages()) == state
        undo = await s.undo()
        assert undo.type == "undo_complete" and undo.data["undone_message"] == "third"
        assert contents(await s.messages()) == before_third
        await collect(s.send("fourth"))
        after = await s.messages()
        assert [m.content for m in after if m.type == "human"][-1] == "fourth"
        assert after[-1].content == "done after 45"


async def test_prune_keeps_the_state_and_the_undo_of_the_latest_turn(isolated_home: Path) -> None:
    state, before_third = await a_thread_with_an_undone_turn(isolated_home)
    checkpoints = table(isolated_home, "SELECT count(*) FROM checkpoints")[0][0]

    report = prune_thread("t", keep=3)

    assert report.checkpoints_deleted > 0 and report.vacuumed
    assert report.messages_deleted >= 2  # the abandoned turn's question and answer
    assert table(isolated_home, "SELECT count(*) FROM checkpoints")[0][0] < checkpoints
    await reads_back_undoes_and_goes_on(isolated_home, state, before_third)


async def both_go_on(home: Path) -> None:
    """Threads "a" and "b" (one five-step turn each) read back whole and take a new turn."""
    for thread_id in ("a", "b"):
        async with session(home, ScriptedChatModel(steps=calls(1, start=6)), thread_id) as s:
            assert len(await s.messages()) == 12
            await collect(s.send("again"))
            assert len(await s.messages()) == 16


async def test_prune_all_threads_then_keep_working(isolated_home: Path) -> None:
    for thread_id in ("a", "b"):
        async with session(isolated_home, ScriptedChatModel(steps=calls(5)), thread_id) as s:
            await collect(s.send(f"train {thread_id}"))
    report = prune(keep=1)
    assert report.threads == 2 and report.bytes_after <= report.bytes_before
    await both_go_on(isolated_home)
    with pytest.raises(ValueError, match="keep"):
        prune(keep=0)


async def test_deleting_a_thread_deletes_its_messages(isolated_home: Path) -> None:
    for thread_id in ("a", "b"):
        async with session(isolated_home, ScriptedChatModel(steps=calls(2)), thread_id) as s:
            await collect(s.send("go"))
    async with session(isolated_home, ScriptedChatModel(), "a") as s:
        await s.delete()
    assert table(isolated_home, "SELECT DISTINCT thread_id FROM ml_intern_messages") == [("b",)]


async def test_a_busy_database_is_waited_for_without_blocking_the_loop(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    async with open_checkpointer(path) as saver:
        config = {"configurable": {"thread_id": "t", "checkpoint_ns": "", "checkpoint_id": "c1"}}
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process is writing
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        running = asyncio.create_task(ticker())
        write = asyncio.create_task(saver.aput_writes(config, [("messages", [says("hi")])], "task"))
        await asyncio.sleep(0.3)
        assert not write.done()
        assert ticks >= 10, "the event loop was blocked while waiting for the database"
        other.execute("COMMIT")
        other.close()
        await asyncio.wait_for(write, 10)
        running.cancel()
        found = await saver.aget_tuple(config)
    assert found is None  # no checkpoint c1, but the write landed:
    assert table(tmp_path, "SELECT channel, type FROM writes") == [("messages", "ml_intern/refs")]


async def test_the_worker_thread_mode_for_servers_behaves_the_same(isolated_home: Path) -> None:
    model = ScriptedChatModel(steps=calls(3))
    async with session(isolated_home, model) as s:
        await collect(s.send("go"))
        expected = contents(await s.messages())
    async with open_checkpointer(isolated_home / DB_NAME, inline=False) as saver:
        assert saver._executor is not None
        config = {"configurable": {"thread_id": "t"}}
        found = await saver.aget_tuple(config)
        assert found is not None
        history = [c async for c in saver.alist(config, limit=3)]
        assert len(history) == 3
    async with session(isolated_home, ScriptedChatModel()) as s:
        assert contents(await s.messages()) == expected
