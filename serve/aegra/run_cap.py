"""One person's runs on the team server: at most `server.runs_per_person` waiting or running,
whichever replicas they were sent to.

Aegra inserts a run after its auth handlers have answered, so a count there races (two
replicas count the same rows, then both insert: the spike saw 4 of 4 accepted at a cap of
2). This middleware makes the count exact: around a request that makes a run it takes a
PostgreSQL advisory lock for the person, in one transaction, counts their pending and
running rows in Aegra's `runs` table and, under the cap, lets the request through still
holding the lock. The lock goes when the response starts: Aegra has committed the run's row
by then (or has refused it), so the next request of the same person, on any replica,
counts it. Over the cap the answer is 429 and a sentence; nothing waits in a queue.

Only where people sign in. With a shared access token everybody is one person (Aegra calls
them all `anonymous`), so a per-person cap would be a cap on the whole team; there the
replicas' workers and their jobs (`server.runs_at_once`) are the only limit, and runs
beyond it wait in Aegra's queue.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import psycopg
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serve.sign_in_sessions import person_from_scope
from tools.hub import user_tokens

MAKES_A_RUN = re.compile(r"^/(?:threads/[^/]+/)?runs(?:/stream|/wait)?/?$")
ACTIVE_RUNS_SQL = (
    "SELECT count(*) FROM runs WHERE user_id = %s AND status IN ('pending', 'running')"
)
LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('ml_intern_runs_of:' || %s, 0))"
LOCK_WAIT = "10s"  # a person's requests queue behind each other's inserts, never longer
UNCOUNTED = (
    "Your runs could not be counted (the team server's database did not answer), so this "
    "one was not started. Try again in a moment."
)


def over_cap(cap: int) -> str:
    """The sentence a person at their cap is answered with."""
    return (
        f"You have {cap} runs waiting or running, the most one person may have at once on "
        "this server. Wait for one to finish (or cancel one), then send again."
    )


class PersonRunCap:
    """Pure ASGI middleware: a signed-in person's run is made only under their cap."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cap: int | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        person = person_from_scope(scope) if makes_a_run(scope) else None
        if person is None:
            await self.app(scope, receive, send)
            return
        cap = await self.runs_per_person()
        conn = None
        try:
            conn = await connect()
            active = await lock_and_count(conn, person.identity)
        except (OSError, psycopg.Error) as error:
            if conn is not None:
                await conn.close()
            await refuse(scope, receive, send, 503, f"{UNCOUNTED} ({type(error).__name__})")
            return
        async with conn:
            if active >= cap:
                await refuse(scope, receive, send, 429, over_cap(cap))
                return
            await self.app(scope, receive, released_at_start(conn, send))

    async def runs_per_person(self) -> int:
        if self.cap is None:
            from serve.server_settings import server_settings

            settings = await asyncio.to_thread(server_settings)
            self.cap = settings.server.runs_per_person
        return self.cap


def makes_a_run(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope.get("method") == "POST"
        and MAKES_A_RUN.match(scope["path"]) is not None
        and user_tokens.people_sign_in()
    )


async def connect() -> Any:
    """A connection of its own to the team server's database, in a transaction from its
    first statement (ended by `released_at_start`, or rolled back when it closes)."""
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


async def refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
    await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)


def released_at_start(conn: Any, send: Send) -> Send:
    """`send`, ending `conn`'s transaction (so the person's lock) as the response starts."""

    async def forward(message: Message) -> None:
        if message["type"] == "http.response.start" and conn.info.transaction_status:
            await conn.commit()
        await send(message)

    return forward
