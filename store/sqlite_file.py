"""Opening the one SQLite file every process shares: WAL, busy timeout, a race-safe WAL switch."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from store.database import database_url

BUSY_TIMEOUT_MS = 10_000
RETRY_S = 0.01


def connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection with the settings every writer of this file uses (WAL, busy timeout)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=check_same_thread,
    )
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    enable_wal(conn, BUSY_TIMEOUT_MS / 1000)
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def enable_wal(conn: sqlite3.Connection, timeout_s: float) -> None:
    """Switch the file to WAL, retrying while another process does the same.

    Two processes opening a new file race for the switch, and SQLite answers the
    loser "database is locked" at once, without its busy handler; the switch is
    persistent, so once any process has made it the others find WAL already set.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if time.monotonic() > deadline:
                raise
        time.sleep(RETRY_S)


class SharedConnection:
    """One lazily opened connection to the shared file, its schema applied, guarded by a lock.

    With ML_INTERN_DATABASE_URL set, the same statements run on PostgreSQL instead (a pooled
    connection per use; the schema is store/postgres_schema.py's) and `path` is not used.
    """

    SCHEMA = ""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = database_url()
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def ready(self, db: sqlite3.Connection) -> None:
        """Bring a new connection's tables to this code's schema."""
        db.executescript(self.SCHEMA)

    def absent(self) -> bool:
        """Nothing stored yet (no SQLite file): readers answer 'none' without creating one."""
        return self.url is None and self._conn is None and not self.path.exists()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if self.url is not None:
            from store.postgres_connection import borrowed

            with borrowed(self.url) as statements:
                yield statements  # type: ignore[misc]
            return
        with self._lock:
            if self._conn is None:
                conn = connect(self.path, check_same_thread=False)
                self.ready(conn)
                self._conn = conn
            yield self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
