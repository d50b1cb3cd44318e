"""Which server holds which run, for several `ml-intern web` servers on one PostgreSQL.

The LangGraph dev server keeps its runs in its own memory: a run started on server A is
unknown to server B. So every server writes here the runs it holds (waiting their turn,
or running) and a heartbeat of its own. B forwards a request about A's run to A
(serve/run_forwarding.py) and, once A's heartbeat stops, takes A's runs over
(serve/run_takeover.py): a running one from its checkpoint, a waiting one from what it
was to start with (`start`: its input, as the runtime holds it). Times are the database's clock (`now()`): the servers' clocks
need not agree. PostgreSQL only: on SQLite there is one server per home.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from store.postgres_connection import borrowed


@dataclass(frozen=True)
class Owner:
    """Who holds a run: the server, where it answers, whether its heartbeat is fresh."""

    run_id: str
    thread_id: str
    server_id: str
    address: str | None
    alive: bool
    resumed_as: str | None


@dataclass(frozen=True)
class Orphan:
    """A run whose server stopped beating: what another server needs to go on with it."""

    run_id: str
    thread_id: str
    server_id: str
    session_name: str
    context: dict[str, Any]
    start: dict[str, Any] | None  # a waiting run's input...; None: running, resume it


KEEP_RESUMED = "1 hour"
OWNER = """
SELECT r.run_id, r.thread_id, r.server_id, s.address,
       COALESCE(s.heartbeat > now() - make_interval(secs => ?), false), r.resumed_as
FROM ml_intern_live_runs r LEFT JOIN ml_intern_servers s ON s.server_id = r.server_id
"""


def beat(url: str, server_id: str, address: str | None, session_name: str) -> None:
    """This server is alive (and answers at `address`, when known)."""
    with borrowed(url) as db:
        db.execute(
            "INSERT INTO ml_intern_servers (server_id, address, session_name) VALUES (?, ?, ?) "
            "ON CONFLICT (server_id) DO UPDATE SET heartbeat = now(), "
            "address = COALESCE(excluded.address, ml_intern_servers.address)",
            (server_id, address, session_name),
        )


def hold(url: str, run_id: str, thread_id: str, server_id: str, person: str | None,
         context: dict[str, Any], start: dict[str, Any] | None = None) -> None:  # fmt: skip
    """Blocking: `server_id` holds `run_id` (waiting its turn, until `running`), which
    starts with `start` (None: unknown); booked again when it starts, with its person and
    context."""
    begin = None if start is None else json.dumps(start, default=str)
    with borrowed(url) as db:
        db.execute(
            "INSERT INTO ml_intern_live_runs (run_id, thread_id, server_id, person, context, "
            "start) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET "
            "server_id = excluded.server_id, person = COALESCE(excluded.person, "
            "ml_intern_live_runs.person), context = CASE WHEN excluded.context = '{}' "
            "THEN ml_intern_live_runs.context ELSE excluded.context END, "
            "start = COALESCE(excluded.start, ml_intern_live_runs.start)",
            (run_id, thread_id, server_id, person, json.dumps(context, default=str), begin),
        )


def running(url: str, run_id: str) -> None:
    """Blocking: the run holds its thread's lock now; from here on it can be resumed."""
    with borrowed(url) as db:
        db.execute("UPDATE ml_intern_live_runs SET running = true WHERE run_id = ?", (run_id,))


def drop(url: str, run_id: str) -> None:
    """Blocking: the run ended. (A run it resumed keeps its row for `KEEP_RESUMED`: a
    caller who followed the old run's id still finds where it went.)"""
    with borrowed(url) as db:
        db.execute("DELETE FROM ml_intern_live_runs WHERE run_id = ?", (run_id,))
        db.execute(
            "DELETE FROM ml_intern_live_runs WHERE resumed_as IS NOT NULL "
            f"AND started_at < now() - interval '{KEEP_RESUMED}'"
        )


def owner_of_run(url: str, run_id: str, stale_s: float) -> Owner | None:
    with borrowed(url) as db:
        row = db.execute(OWNER + "WHERE r.run_id = ?", (stale_s, run_id)).fetchone()
    return Owner(*row) if row else None


def owner_of_thread(url: str, thread_id: str, stale_s: float) -> Owner | None:
    """The holder of the thread's newest live run (None: no server holds one)."""
    with borrowed(url) as db:
        row = db.execute(
            OWNER + "WHERE r.thread_id = ? AND r.resumed_as IS NULL "
            "ORDER BY r.started_at DESC LIMIT 1",
            (stale_s, thread_id),
        ).fetchone()
    return Owner(*row) if row else None


def orphans(url: str, stale_s: float) -> list[Orphan]:
    """Runs of servers silent for over `stale_s`, in the order they came: running ones, and
    waiting ones with their start (a waiting one whose start is unknown is dropped: its
    input never reached a checkpoint, there is nothing to start it with)."""
    silent = (
        "r.resumed_as IS NULL AND NOT EXISTS (SELECT 1 FROM ml_intern_servers s WHERE "
        "s.server_id = r.server_id AND s.heartbeat > now() - make_interval(secs => ?))"
    )
    with borrowed(url) as db:
        db.execute(
            "DELETE FROM ml_intern_live_runs r WHERE NOT r.running AND r.start IS NULL "
            f"AND {silent}",
            (stale_s,),
        )
        rows = db.execute(
            "SELECT r.run_id, r.thread_id, r.server_id, COALESCE(s.session_name, ''), r.context, "
            "CASE WHEN r.running THEN NULL ELSE r.start END FROM ml_intern_live_runs r "
            f"LEFT JOIN ml_intern_servers s ON s.server_id = r.server_id WHERE {silent} "
            "ORDER BY r.started_at, r.run_id",
            (stale_s,),
        ).fetchall()
    return [
        Orphan(*row[:4], json.loads(row[4]), json.loads(row[5]) if row[5] else None) for row in rows
    ]


def claim(url: str, orphan: Orphan, server_id: str) -> bool:
    """Take `orphan` for `server_id`; only one server's claim succeeds."""
    with borrowed(url) as db:
        row = db.execute(
            "UPDATE ml_intern_live_runs SET server_id = ? WHERE run_id = ? AND server_id = ? "
            "AND resumed_as IS NULL RETURNING run_id",
            (server_id, orphan.run_id, orphan.server_id),
        ).fetchone()
    return row is not None


def resumed(url: str, run_id: str, new_run_id: str | None) -> None:
    """The taken-over `run_id` goes on as `new_run_id` (None: it could not; forget it)."""
    with borrowed(url) as db:
        if new_run_id is None:
            db.execute("DELETE FROM ml_intern_live_runs WHERE run_id = ?", (run_id,))
        else:
            db.execute("UPDATE ml_intern_live_runs SET resumed_as = ? WHERE run_id = ?",
                       (new_run_id, run_id))  # fmt: skip


def taken_from(url: str, server_id: str, run_ids: list[str]) -> list[str]:
    """Those of `run_ids` (this server's) that another server has taken over."""
    if not run_ids:
        return []
    marks = ", ".join("?" for _ in run_ids)
    with borrowed(url) as db:
        rows = db.execute(
            f"SELECT run_id FROM ml_intern_live_runs WHERE run_id IN ({marks}) AND server_id <> ?",
            (*run_ids, server_id),
        ).fetchall()
    return [row[0] for row in rows]


def running_elsewhere(url: str, server_id: str, stale_s: float) -> dict[str, int]:
    """How many runs each person has running on the other live servers."""
    with borrowed(url) as db:
        rows = db.execute(
            "SELECT r.person, count(*) FROM ml_intern_live_runs r JOIN ml_intern_servers s "
            "ON s.server_id = r.server_id WHERE r.person IS NOT NULL AND r.running "
            "AND r.resumed_as IS NULL AND r.server_id <> ? "
            "AND s.heartbeat > now() - make_interval(secs => ?) GROUP BY r.person",
            (server_id, stale_s),
        ).fetchall()
    return {str(row[0]): int(row[1]) for row in rows}
