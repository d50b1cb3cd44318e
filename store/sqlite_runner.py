"""Running SQL for the saver: under one lock, retried while another process holds the file.

Inline (the CLI) a busy file is retried with `asyncio.sleep`, so the event loop never
waits on SQLite's own busy timeout; with a worker thread (servers that forbid blocking
calls on their loop) every call runs there.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar, cast

RETRY_S = 0.01
INLINE_BUSY_MS = 0  # inline, a busy file is retried with asyncio.sleep: the loop never waits

T = TypeVar("T")


class SqliteRunner:
    """What the saver's SQL runs through; the saver sets these four attributes."""

    conn: sqlite3.Connection
    busy_timeout_s: float
    _lock: threading.RLock
    _executor: ThreadPoolExecutor | None

    def sync_call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` under the saver's lock, retried while another process holds the file."""
        deadline = time.monotonic() + self.busy_timeout_s
        while True:
            done, value = self._attempt(fn, args, deadline)
            if done:
                return value
            time.sleep(RETRY_S)

    async def async_call(self, fn: Callable[..., T], *args: Any) -> T:
        """`sync_call` for the event loop: inline (waiting with asyncio.sleep), or on the worker."""
        if self._executor is not None:
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, self.sync_call, fn, *args
            )
        deadline = time.monotonic() + self.busy_timeout_s
        while True:
            done, value = self._attempt(fn, args, deadline)
            if done:
                return value
            await asyncio.sleep(RETRY_S)

    def _attempt(
        self, fn: Callable[..., T], args: tuple[Any, ...], deadline: float
    ) -> tuple[bool, T]:
        """One try under the lock; (False, _) when the file is busy and there is time left."""
        try:
            with self._lock:
                return True, fn(*args)
        except sqlite3.OperationalError as error:
            if not _busy(error) or time.monotonic() > deadline:
                raise
        return False, cast(T, None)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any error."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise


def _busy(error: sqlite3.OperationalError) -> bool:
    text = str(error)
    return "locked" in text or "busy" in text
