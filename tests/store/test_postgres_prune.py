"""`threads prune` on PostgreSQL keeps what it keeps on SQLite: the state, the undo of the
latest turn, and a thread that goes on afterwards; a running thread is left alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest

from store.checkpointer import prune, prune_thread
from store.thread_lock import ThreadLock
from tests.fakes.agent import collect
from tests.fakes.scripted_model import ScriptedChatModel
from tests.store.test_store import (
    a_thread_with_an_undone_turn,
    both_go_on,
    calls,
    reads_back_undoes_and_goes_on,
    session,
)


@pytest.fixture
def on_postgres(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ML_INTERN_DATABASE_URL", pg_url)
    return pg_url


def count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute(sql).fetchone()[0])  # type: ignore[index]


async def test_prune_keeps_the_state_and_the_undo_of_the_latest_turn(
    on_postgres: str, isolated_home: Path
) -> None:
    state, before_third = await a_thread_with_an_undone_turn(isolated_home)
    checkpoints = count(on_postgres, "SELECT count(*) FROM checkpoints")
    blobs = count(on_postgres, "SELECT count(*) FROM checkpoint_blobs")

    report = await asyncio.to_thread(prune_thread, "t", keep=3)  # it runs its own loop

    assert report.threads == 1 and report.checkpoints_deleted > 0 and not report.busy
    left = count(on_postgres, "SELECT count(*) FROM checkpoints")
    assert left == checkpoints - report.checkpoints_deleted
    assert count(on_postgres, "SELECT count(*) FROM checkpoint_blobs") < blobs
    await reads_back_undoes_and_goes_on(isolated_home, state, before_third)


async def test_prune_all_skips_a_running_thread_and_both_keep_working(
    on_postgres: str, isolated_home: Path
) -> None:
    for thread_id in ("a", "b"):
        async with session(isolated_home, ScriptedChatModel(steps=calls(5)), thread_id) as s:
            await collect(s.send(f"train {thread_id}"))
    with ThreadLock(isolated_home / "elsewhere", "b"):  # another machine runs b
        report = await asyncio.to_thread(prune, keep=1)
    assert (report.threads, report.busy) == (1, ("b",))
    assert count(on_postgres, "SELECT count(*) FROM checkpoints WHERE thread_id = 'a'") <= 3
    await both_go_on(isolated_home)
