"""A thread's run lock on PostgreSQL: a session-level advisory lock on its own connection.

The lock lives as long as the connection: `release` closes it, and when the process dies
(kill -9 included) the server ends the session and the lock goes with it. Another process,
on this machine or another, is refused at once and told who holds the thread: every
connection names itself `ml-intern:<host>:<pid>` in pg_stat_activity. A holder whose machine
vanished without closing its connection is probed by the database (`DEAD_PEER_PROBES`) and
let go within ~25 s; a hung holder (alive to TCP, silent to the other servers) has its
session ended by the server that takes its run over (`end_holder`, serve/run_takeover.py).
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


def try_lock(url: str, thread_id: str) -> tuple[Any | None, str]:
    """(the connection holding the lock, '') or (None, who holds it: 'host:pid' or '')."""
    key = lock_key(thread_id)
    conn = connect(url)
    try:
        if conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            for setting, value in DEAD_PEER_PROBES:  # the database's side of this connection
                conn.execute(f"SET {setting} = {value}")
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


def end_holder(url: str, thread_id: str, session_name: str) -> bool:
    """End the database session named `session_name` that holds `thread_id`'s lock (a server
    that stopped beating: hung, or its machine gone without closing its connection, which
    PostgreSQL would otherwise notice only when TCP gives up). True if one was ended."""
    unsigned = lock_key(thread_id) & 0xFFFF_FFFF_FFFF_FFFF
    with borrowed(url) as db:
        rows = db.execute(
            HOLDER.replace("a.application_name", "pg_terminate_backend(a.pid)")
            + " AND a.application_name = %s",
            (unsigned >> 32, unsigned & 0xFFFF_FFFF, session_name),
        ).fetchall()
    return any(row[0] for row in rows)
