"""The thread index: one row per thread, readable without loading checkpoints.

Plain sqlite3 on the same database file as the checkpointer, so `threads list`
needs neither langgraph nor aiosqlite. Its schema is versioned (`PRAGMA user_version`;
on PostgreSQL store/postgres_schema.py's migrations): `ready_index` creates it and
applies each upgrade once, in a transaction, so a file written by older code opens.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass

from store import index_writes
from store.experiments import Ledger
from store.sqlite_file import SharedConnection
from tools.text import one_line

SCHEMA = """
CREATE TABLE IF NOT EXISTS ml_intern_threads (
    thread_id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    cwd TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ml_intern_threads_updated ON ml_intern_threads (updated_at DESC);
CREATE INDEX IF NOT EXISTS ml_intern_threads_cwd ON ml_intern_threads (cwd, updated_at DESC);
"""
# Upgrades after SCHEMA, in order; `PRAGMA user_version` counts those applied.
UPGRADES = [
    # 1: who owns the thread where people sign in (serve/auth.py), so every server sharing
    # the database gives it to the same person.
    "ALTER TABLE ml_intern_threads ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
]
COLUMNS = "thread_id, title, model, cwd, created_at, updated_at, owner"


UPSERT = f"""INSERT INTO ml_intern_threads ({COLUMNS})
   VALUES (?, ?, ?, ?, ?, ?, ?)
   ON CONFLICT(thread_id) DO UPDATE SET
     title = CASE WHEN ml_intern_threads.title = '' THEN excluded.title
                  ELSE ml_intern_threads.title END,
     model = CASE WHEN excluded.model = '' THEN ml_intern_threads.model ELSE excluded.model END,
     cwd = CASE WHEN ml_intern_threads.cwd = '' THEN excluded.cwd ELSE ml_intern_threads.cwd END,
     owner = CASE WHEN ml_intern_threads.owner = '' THEN excluded.owner
                  ELSE ml_intern_threads.owner END,
     updated_at = excluded.updated_at"""


def ready_index(db: sqlite3.Connection) -> None:
    """The index's tables at this code's version: made if absent, older ones upgraded."""
    db.executescript(SCHEMA)
    if db.execute("PRAGMA user_version").fetchone()[0] >= len(UPGRADES):
        return
    db.execute("BEGIN IMMEDIATE")  # one process upgrades; the others then find it done
    try:
        done = db.execute("PRAGMA user_version").fetchone()[0]
        for statement in UPGRADES[done:]:
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {max(done, len(UPGRADES))}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def touch_row(
    db: sqlite3.Connection,
    thread_id: str,
    *,
    title: str = "",
    model: str = "",
    cwd: str = "",
    owner: str = "",
) -> None:
    """Upsert one thread's row inside the caller's transaction (the CLI or the saver)."""
    now = time.time()
    index_writes.note(thread_id, now)
    db.execute(UPSERT, (thread_id, one_line(title, 80), model, cwd, now, now, owner))


@dataclass(frozen=True)
class ThreadInfo:
    thread_id: str
    title: str
    model: str
    cwd: str
    created_at: float
    updated_at: float
    owner: str = ""  # who it belongs to where people sign in; "" for the CLI's


class ThreadIndex(SharedConnection):
    """The index over one file; opens its connection on first use and keeps it until `close`."""

    def ready(self, db: sqlite3.Connection) -> None:
        ready_index(db)

    def touch(
        self, thread_id: str, *, title: str = "", model: str = "", cwd: str = "", owner: str = ""
    ) -> None:
        """Record activity on a thread; the first title (and owner) given sticks."""
        with self._db() as db:
            touch_row(db, thread_id, title=title, model=model, cwd=cwd, owner=owner)

    def record_fork(self, source: str, target: str, *, cwd: str = "") -> str:
        """Give the fork `target` its row: the source's title with " (fork)", its model and
        cwd, or `cwd` (what `threads fork` and the web UI's fork both show). Returns the title."""
        info = self.get(source)
        # Cut the source's title so the mark survives the index's 80 characters.
        title = f"{one_line(info.title, 73)} (fork)" if info and info.title else "(fork)"
        model, cwd, owner = (info.model, cwd or info.cwd, info.owner) if info else ("", cwd, "")
        self.touch(target, title=title, model=model, cwd=cwd, owner=owner)
        with Ledger(self.path) as ledger:
            ledger.copy_thread(source, target)  # the fork sees the runs its history launched
        return title

    def get(self, thread_id: str) -> ThreadInfo | None:
        with self._db() as db:
            row = db.execute(
                f"SELECT {COLUMNS} FROM ml_intern_threads WHERE thread_id = ?", (thread_id,)
            ).fetchone()
        return ThreadInfo(*row) if row else None

    def list(
        self, *, cwd: str | None = None, limit: int = 50, since: float | None = None
    ) -> list[ThreadInfo]:
        """Most recently updated first; only threads started in `cwd`, or updated at or
        after `since` (a time.time()), when given."""
        if self.absent():
            return []
        where, params = [], []
        if cwd is not None:
            where, params = ["cwd = ?"], [cwd]
        if since is not None:
            where, params = [*where, "updated_at >= ?"], [*params, since]
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        with self._db() as db:
            rows = db.execute(
                f"SELECT {COLUMNS} FROM ml_intern_threads {clause}ORDER BY updated_at DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [ThreadInfo(*row) for row in rows]

    def latest(self, cwd: str) -> ThreadInfo | None:
        found = self.list(cwd=cwd, limit=1)
        return found[0] if found else None

    def delete(self, thread_id: str) -> bool:
        with Ledger(self.path) as ledger:
            ledger.delete_thread(thread_id)  # its runs' scripts and arguments go too
        with self._db() as db:
            cursor = db.execute("DELETE FROM ml_intern_threads WHERE thread_id = ?", (thread_id,))
            return cursor.rowcount > 0


def is_uuid(thread_id: str) -> bool:
    """LangGraph's server keys threads by UUID; a CLI thread named `--thread-id x` is not one."""
    try:
        uuid.UUID(thread_id)
    except ValueError:
        return False
    return True
