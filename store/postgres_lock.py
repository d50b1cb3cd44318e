"""A thread's run lock on PostgreSQL: a session-level advisory lock on the process's lock session.

Every thread lock a process takes lives on one connection of its own (`LockSession`), opened
once and kept: a connection per lock cost ~2.5 ms of the client's CPU and ~4 ms of the
database's (a backend forked, authenticated and ended) twice a run, where a lock and an
unlock on a kept session cost ~0.1 ms. A second lock on the same thread in the same process
is refused by the session's own table (advisory locks are re-entrant within a session, so the
database would grant it). When the process dies (kill -9 included) the database ends its
session and its locks go with it. Another process, on this machine or another, is refused at
once and told who holds the thread: every connection names itself `ml-intern:<host>:<pid>` in
pg_stat_activity. A holder whose machine vanished without closing its connection is probed by
the database (`DEAD_PEER_PROBES`) and let go within ~25 s; a hung holder (alive to TCP) keeps
its threads until it is stopped. A lost session (the database restarted, or ended it) is opened
again on the next lock; the locks it held are gone, as they would be on any connection.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
import time
from typing import Any

from store.database import DatabaseError, connect, connect_kwargs

HOLDER = """
SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s
  AND l.objsubid = 1
"""


# The database probes a lock's connection after 10 s of silence and ends it after 3 missed
# answers 5 s apart: a holder whose machine vanished (no FIN, no RST) lets go in ~25 s, not
# after the system's default two hours. (Settings any role may change for its own session.)
DEAD_PEER_PROBES = (
    ("tcp_keepalives_idle", 10),
    ("tcp_keepalives_interval", 5),
    ("tcp_keepalives_count", 3),
)


def lock_key(thread_id: str) -> int:
    """A signed 64-bit key for pg_advisory_lock, from the thread id."""
    return int.from_bytes(hashlib.sha256(thread_id.encode()).digest()[:8], "big", signed=True)


RETRY_OPEN_S = 2.0  # after a failed open, lock attempts fail at once this long


class Hold:
    """One lock taken: its key and the connection that took it."""

    def __init__(self, key: int, conn: Any) -> None:
        self.key, self.conn = key, conn


class LockSession:
    """The process's one connection for thread locks on `url`, and which keys it holds."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.mutex = threading.Lock()  # one statement at a time, and the table kept with it
        self.conn: Any = None
        self.pid = 0  # the process that opened `conn` (a forked child opens its own)
        self.holds: dict[int, Hold] = {}
        self.failed: tuple[float, str] | None = None  # the last open that failed: when, why

    def try_lock(self, thread_id: str) -> tuple[Hold | None, str]:
        """(the hold, '') when taken; (None, who holds it: 'host:pid' or '') when not."""
        key = lock_key(thread_id)
        with self.mutex:
            if self.pid == os.getpid() and key in self.holds:  # re-entrant in the database
                return None, own_name()
            conn = self._live()
            try:
                taken = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
            except Exception:
                if not (conn.closed or conn.broken):
                    raise
                conn = self._reopen()  # the database restarted, or ended this session
                taken = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
            if taken:
                hold = self.holds[key] = Hold(key, conn)
                return hold, ""
            unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
            row = conn.execute(HOLDER, (unsigned >> 32, unsigned & 0xFFFF_FFFF)).fetchone()
        name = row[0] if row else ""
        return None, name.removeprefix("ml-intern:") if name.startswith("ml-intern:") else ""

    def unlock(self, hold: Hold) -> None:
        """Let the thread go now; a lock lost with its session is only forgotten."""
        with self.mutex:
            if self.holds.get(hold.key) is hold:
                del self.holds[hold.key]
            conn = hold.conn
            if conn is not self.conn or conn.closed or conn.broken:
                return
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (hold.key,))
            except Exception:
                if not (conn.closed or conn.broken):
                    raise

    def _live(self) -> Any:
        if self.conn is None or self.pid != os.getpid() or self.conn.closed:
            return self._reopen()
        return self.conn

    def _reopen(self) -> Any:
        if self.conn is not None and self.pid == os.getpid():
            self.conn.close()
        # Opens wait in line behind the mutex: against a database that does not answer, each
        # would wait out its connect timeout after the one before. One wait, then the same
        # answer at once for a moment.
        if self.failed is not None and time.monotonic() - self.failed[0] < RETRY_OPEN_S:
            raise DatabaseError(self.failed[1])
        try:
            conn = connect(self.url)
        except DatabaseError as error:
            self.failed = (time.monotonic(), str(error))
            raise
        self.failed = None
        try:
            for setting, value in DEAD_PEER_PROBES:  # the database's side of this connection
                conn.execute(f"SET {setting} = {value}")
        except BaseException:
            conn.close()
            raise
        if self.pid != os.getpid():
            self.holds = {}  # a forked child holds none of its parent's locks
        self.conn, self.pid = conn, os.getpid()
        return conn


@functools.cache
def lock_session(url: str) -> LockSession:
    """The process's lock session for `url`: the locks of all its runs on one connection."""
    return LockSession(url)


def own_name() -> str:
    """'host:pid' as this process names itself to the database."""
    return str(connect_kwargs()["application_name"]).removeprefix("ml-intern:")
