"""Which thread index rows this process wrote last: a row written here and not since is known
as such; a write by anyone else, a forgotten thread and a run's deleted checkpoints are not."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from store import index_writes
from store.thread_index import ThreadIndex


@pytest.fixture(autouse=True)
def nothing_noted() -> None:
    index_writes.forget_all()


def test_a_row_written_here_is_known_until_someone_else_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "threads.sqlite"
    with ThreadIndex(path) as index:
        index.touch("t1", title="Fine-tune llama")
        row = index.get("t1")
    assert row is not None and index_writes.wrote_last("t1", row.updated_at)

    with sqlite3.connect(path) as other:  # another writer: its own clock
        other.execute("UPDATE ml_intern_threads SET updated_at = updated_at + 0.5")
    with ThreadIndex(path) as index:
        again = index.get("t1")
    assert again is not None and not index_writes.wrote_last("t1", again.updated_at)
    assert not index_writes.wrote_last("t2", row.updated_at)  # never written here


def test_only_the_last_write_here_counts() -> None:
    index_writes.note("t1", 1.0)
    index_writes.note("t1", 2.0)
    assert index_writes.wrote_last("t1", 2.0)
    assert not index_writes.wrote_last("t1", 1.0)


def test_the_oldest_threads_are_forgotten_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_writes, "KEPT", 3)
    for n in range(5):
        index_writes.note(f"t{n}", float(n))
    index_writes.note("t2", 2.0)  # written again: the newest now
    assert [index_writes.wrote_last(f"t{n}", float(n)) for n in range(5)] == [
        False, False, True, True, True,
    ]  # fmt: skip


def test_forgetting_all_makes_every_thread_looked_at_again() -> None:
    index_writes.note("t1", 1.0)
    index_writes.forget_all()
    assert not index_writes.wrote_last("t1", 1.0)


def test_a_runs_deleted_checkpoints_make_every_thread_looked_at_again(pg_url: str) -> None:
    """Deleting a run's checkpoints changes its thread's state, not its index row: what this
    process wrote is forgotten, so the team server brings the thread in again."""
    from store.postgres_saver import open_postgres_checkpointer

    async def delete_a_run() -> None:
        async with open_postgres_checkpointer(pg_url) as saver:
            await saver.adelete_for_runs(["no-such-run"])

    index_writes.note("t1", 1.0)
    asyncio.run(delete_a_run())
    assert not index_writes.wrote_last("t1", 1.0)
