"""The SQLite checkpointer every thread lives in, set up for safety under kill -9."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from configs.settings import ml_intern_home
from graph.thread_index import BUSY_TIMEOUT_MS

DB_NAME = "threads.sqlite"


def default_db_path() -> Path:
    return ml_intern_home() / DB_NAME


@asynccontextmanager
async def open_checkpointer(path: Path | None = None) -> AsyncIterator[AsyncSqliteSaver]:
    """AsyncSqliteSaver on `path` with WAL, synchronous=NORMAL and a busy timeout."""
    import aiosqlite

    path = path or default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        saver = AsyncSqliteSaver(conn)
        await saver.setup()
        yield saver
    finally:
        await conn.close()
