"""One person's runs on the team server: at most `server.runs_per_person` waiting or running,
whichever replicas they were sent to (what the cap means: serve/person_run_cap.py).

Aegra inserts a run after its auth handlers have answered, so a count there races (two
replicas count the same rows, then both insert: the spike saw 4 of 4 accepted at a cap of
2). Here the count is exact: around a request that makes a run, a PostgreSQL advisory lock
for the person is taken in one transaction, their pending and running rows in Aegra's `runs`
table are counted and, under the cap, the request goes on still holding the lock. The lock
goes when the response starts: Aegra has committed the run's row by then (or has refused
it), so the next request of the same person, on any replica, counts it.
"""

from __future__ import annotations

from typing import Any

import psycopg
from starlette.types import Scope

from serve.person_run_cap import LetGo, Uncounted
from serve.person_run_cap import PersonRunCap as OneProcessCap

ACTIVE_RUNS_SQL = (
    "SELECT count(*) FROM runs WHERE user_id = %s AND status IN ('pending', 'running')"
)
LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('ml_intern_runs_of:' || %s, 0))"
LOCK_WAIT = "10s"  # a person's requests queue behind each other's inserts, never longer


class PersonRunCap(OneProcessCap):
    """Pure ASGI middleware: a signed-in person's run is made only under their cap, counted
    over all replicas in the shared database."""

    async def hold(self, scope: Scope, identity: str, cap: int) -> tuple[int, LetGo]:
        conn = None
        try:
            conn = await connect()
            active = await lock_and_count(conn, identity)
        except (OSError, psycopg.Error) as error:
            if conn is not None:
                await conn.close()
            raise Uncounted(type(error).__name__) from None

        async def let_go() -> None:
            try:
                if conn.info.transaction_status:
                    await conn.commit()
            finally:
                await conn.close()

        return active, let_go


async def connect() -> Any:
    """A connection of its own to the team server's database, in a transaction from its
    first statement (ended by the hold's `let_go`, or rolled back when it closes)."""
    from store.database import connect_kwargs, database_url

    return await psycopg.AsyncConnection.connect(
        database_url(), **{**connect_kwargs(), "autocommit": False}
    )


async def lock_and_count(conn: Any, identity: str) -> int:
    """The person's lock taken (until the transaction ends) and their active runs counted."""
    await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
    await conn.execute(LOCK_SQL, (identity,))
    cursor = await conn.execute(ACTIVE_RUNS_SQL, (identity,))
    row = await cursor.fetchone()
    return int(row[0])
