"""The SQLite checkpointer every thread lives in, set up for safety under kill -9.

One file, `$ML_INTERN_HOME/threads.sqlite`: LangGraph's checkpoint tables, the
message table of `MessageStoreSaver` (each message stored once) and the thread
index. WAL with synchronous=NORMAL: a put is committed before the graph moves on,
so a crash loses at most the step in flight.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from configs.environment import ml_intern_home
from store.database import database_url
from store.message_store import MessageStoreSaver
from store.saver_maintenance import delta_channel_specs, prune_thread_rows
from store.sqlite_file import BUSY_TIMEOUT_MS

DB_NAME = "threads.sqlite"
DEFAULT_KEEP = 20


def default_db_path() -> Path:
    return ml_intern_home() / DB_NAME


@asynccontextmanager
async def open_checkpointer(
    path: Path | None = None, *, inline: bool | None = None
) -> AsyncIterator[MessageStoreSaver]:
    """The saver on `path` (WAL, synchronous=NORMAL, busy timeout); closed on exit.

    With ML_INTERN_DATABASE_URL set, LangGraph's Postgres saver on that database instead
    (store/postgres_saver.py); `path` is then not used.

    `inline` runs SQLite on the event loop's thread (fastest; the CLI). By default
    it is on, except inside a LangGraph server (`langgraph dev`), which rejects
    blocking calls on its loop: there SQLite runs on a worker thread.
    """
    if url := database_url():
        from store.postgres_saver import open_postgres_checkpointer

        async with open_postgres_checkpointer(url) as pg_saver:
            yield pg_saver  # type: ignore[misc]
        return
    path = path or default_db_path()
    if inline is None:
        inline = "langgraph_api" not in sys.modules
    if inline:
        saver = MessageStoreSaver(path, inline=True, busy_timeout_ms=BUSY_TIMEOUT_MS)
    else:
        saver = await asyncio.to_thread(
            MessageStoreSaver, path, inline=False, busy_timeout_ms=BUSY_TIMEOUT_MS
        )
    try:
        yield saver
    finally:
        if inline:
            saver.close()
        else:
            await asyncio.to_thread(saver.close)


@dataclass(frozen=True)
class PruneReport:
    threads: int
    checkpoints_deleted: int
    messages_deleted: int
    bytes_before: int
    bytes_after: int
    vacuumed: bool
    busy: tuple[str, ...] = ()  # threads left alone because something was running them


def prune_postgres(url: str, thread_ids: list[str] | None, keep: int) -> PruneReport:
    """`prune` / `prune_thread` on the database at `url` (store/postgres_maintenance.py)."""
    from store.postgres_maintenance import prune_all
    from store.postgres_saver import open_postgres_checkpointer

    async def run() -> PruneReport:
        async with open_postgres_checkpointer(url) as saver:
            found = await prune_all(
                saver, ml_intern_home(), thread_ids, keep, delta_channel_specs()
            )
        threads, deleted, busy, before, after, vacuumed = found
        return PruneReport(threads, deleted, 0, before, after, vacuumed, tuple(busy))

    return asyncio.run(run())


def prune(*, keep: int = DEFAULT_KEEP, path: Path | None = None) -> PruneReport:
    """Prune every thread in the database (see `prune_thread`), then VACUUM once."""
    if (url := database_url()) is not None:
        return prune_postgres(url, None, keep)
    path = path or default_db_path()
    if not path.exists():
        return PruneReport(0, 0, 0, 0, 0, False)
    saver = MessageStoreSaver(path, busy_timeout_ms=BUSY_TIMEOUT_MS)
    try:
        threads = [r[0] for r in saver.conn.execute("SELECT DISTINCT thread_id FROM checkpoints")]
    finally:
        saver.close()
    return prune_thread(*threads, keep=keep, path=path)


def prune_thread(
    *thread_ids: str, keep: int = DEFAULT_KEEP, path: Path | None = None
) -> PruneReport:
    """Drop all but the newest `keep` checkpoints of each thread, then VACUUM (on
    PostgreSQL: store/postgres_maintenance.py, no message table, running threads skipped).

    Always kept as well: the checkpoint `undo` forks from (the parent of the last
    user message's input checkpoint), so the latest turn can still be undone. A
    kept checkpoint whose parent goes is rebased: its delta channels (the messages)
    are rebuilt from the history about to be dropped and stored in it as a snapshot
    (references to stored messages), so it reads back exactly as before. Messages
    nothing refers to any more are deleted.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1: the latest checkpoint holds the thread's state")
    if (url := database_url()) is not None:
        return prune_postgres(url, [str(t) for t in thread_ids], keep)
    path = path or default_db_path()
    before = _file_bytes(path)
    saver = MessageStoreSaver(path, busy_timeout_ms=BUSY_TIMEOUT_MS)
    deleted = messages = 0
    try:
        specs = delta_channel_specs()
        for thread_id in thread_ids:
            d, m = saver.sync_call(prune_thread_rows, saver, str(thread_id), keep, specs)
            deleted, messages = deleted + d, messages + m
        vacuumed = _vacuum(saver.conn)
    finally:
        saver.close()
    return PruneReport(len(thread_ids), deleted, messages, before, _file_bytes(path), vacuumed)


def _vacuum(conn: sqlite3.Connection) -> bool:
    """VACUUM and shrink the WAL; False when another connection is busy with the file."""
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError:
        return False
    return True


def _file_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
