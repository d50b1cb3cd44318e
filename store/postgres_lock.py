"""A thread's run lock on PostgreSQL: a session-level advisory lock on its own connection.

The lock lives as long as the connection: `release` closes it, and when the process dies
(kill -9 included) the server ends the session and the lock goes with it. Another process,
on this machine or another, is refused at once and told who holds the thread: every
connection names itself `ml-intern:<host>:<pid>` in pg_stat_activity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from store.database import connect
from store.postgres_connection import borrowed

HOLDER = """
SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s
  AND l.objsubid = 1
"""


# Every thread lock granted in this database (the key's halves, as pg_locks shows them).
HELD = """
SELECT l.classid, l.objid FROM pg_locks l
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


def lock_key(thread_id: str) -> int:
    """A signed 64-bit key for pg_advisory_lock, from the thread id."""
    return int.from_bytes(hashlib.sha256(thread_id.encode()).digest()[:8], "big", signed=True)


def try_lock(url: str, thread_id: str) -> tuple[Any | None, str]:
    """(the connection holding the lock, '') or (None, who holds it: 'host:pid' or '')."""
    key = lock_key(thread_id)
    conn = connect(url)
    try:
        if conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            return conn, ""
        unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
        row = conn.execute(HOLDER, (unsigned >> 32, unsigned & 0xFFFF_FFFF)).fetchone()
    except BaseException:
        conn.close()
        raise
    conn.close()
    name = row[0] if row else ""
    return None, name.removeprefix("ml-intern:") if name.startswith("ml-intern:") else ""


def held(url: str, thread_ids: Iterable[str]) -> set[str]:
    """Which of `thread_ids` some session holds the lock of: one read of pg_locks, no lock."""
    halves = {}
    for thread_id in thread_ids:
        unsigned = lock_key(thread_id) & 0xFFFF_FFFF_FFFF_FFFF
        halves[(unsigned >> 32, unsigned & 0xFFFF_FFFF)] = thread_id
    if not halves:
        return set()
    with borrowed(url) as db:
        rows = db.execute(HELD).fetchall()
    return {halves[key] for row in rows if (key := (int(row[0]), int(row[1]))) in halves}
