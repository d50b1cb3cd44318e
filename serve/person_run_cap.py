"""One person's runs: at most `server.runs_per_person` waiting or running; one more is refused.

The same on both engines, where people sign in: a request that would make a run counts the
person's runs already waiting or running and, at the cap, is answered 429 with a sentence;
nothing is kept waiting for a share that may never come, and the person learns at once why.
The count is exact: the person's count is held from the look until the engine has stored the
run (the response starts), so two requests sent at once cannot both pass under the cap.

- the embedded server (this module's `PersonRunCap`) is one process: its hold is a lock per
  person in that process, and it counts the person's busy threads through its own API (a
  thread is busy from the moment a run is made on it until its last run ends; its queued runs
  count as one, as they run one after another);
- the team server (serve/aegra/run_cap.py) holds a PostgreSQL advisory lock per person and
  counts the person's pending and running rows in Aegra's `runs` table, over all replicas.

With a shared access token everybody is one person, so there is no per-person cap: the
server's own limit (`server.runs_at_once`, or the team server's workers) is the only one.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serve.run_guard import own_api
from serve.sign_in_sessions import person_from_scope
from tools.hub import user_tokens

MAKES_A_RUN = re.compile(r"^/(?:threads/[^/]+/)?runs(?:/stream|/wait)?/?$")
UNCOUNTED = (
    "Your runs could not be counted (the server could not look them up), so this one was not "
    "started. Try again in a moment."
)
LetGo = Callable[[], Awaitable[None]]


class Uncounted(RuntimeError):
    """The person's runs could not be counted (what failed, for the sentence)."""


def over_cap(cap: int) -> str:
    """The sentence a person at their cap is answered with."""
    return (
        f"You have {cap} runs waiting or running, the most one person may have at once on "
        "this server. Wait for one to finish (or cancel one), then send again."
    )


def makes_a_run(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope.get("method") == "POST"
        and MAKES_A_RUN.match(scope["path"]) is not None
        and user_tokens.people_sign_in()
    )


class PersonRunCap:
    """Pure ASGI middleware: a signed-in person's run is made only under their cap. A
    subclass says how the person's runs are held and counted (`hold`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cap: int | None = None
        self.locks: dict[str, asyncio.Lock] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        person = person_from_scope(scope) if makes_a_run(scope) else None
        if person is None:
            await self.app(scope, receive, send)
            return
        cap = await self.runs_per_person()
        try:
            active, let_go = await self.hold(scope, person.identity, cap)
        except Uncounted as error:
            await refuse(scope, receive, send, 503, f"{UNCOUNTED} ({error})")
            return
        once = LetGoOnce(let_go)
        try:
            if active >= cap:
                await once()
                await refuse(scope, receive, send, 429, over_cap(cap))
                return
            await self.app(scope, receive, released_at_start(once, send))
        finally:
            await once()

    async def hold(self, scope: Scope, identity: str, cap: int) -> tuple[int, LetGo]:
        """The person's count held (until `let_go`), and their active runs counted (up to
        `cap`: more need not be)."""
        lock = self.locks.setdefault(identity, asyncio.Lock())
        await lock.acquire()

        async def let_go() -> None:
            lock.release()

        try:
            return await busy_threads(scope, cap), let_go
        except BaseException:
            lock.release()
            raise

    async def runs_per_person(self) -> int:
        if self.cap is None:
            from serve.server_settings import server_settings

            settings = await asyncio.to_thread(server_settings)
            self.cap = settings.server.runs_per_person
        return self.cap


class LetGoOnce:
    """`let_go`, called at most once however many times this is awaited."""

    def __init__(self, let_go: LetGo) -> None:
        self.let_go: LetGo | None = let_go

    async def __call__(self) -> None:
        let_go, self.let_go = self.let_go, None
        if let_go is not None:
            await let_go()


async def busy_threads(scope: Scope, limit: int) -> int:
    """How many of the asker's threads (`limit` at most) have a run waiting or running, from
    this server's own API with the asker's credentials (so their own threads only)."""
    query: dict[str, Any] = {"status": "busy", "limit": limit, "select": ["thread_id"]}
    try:
        async with own_api(scope) as client:
            response = await client.post("/threads/search", json=query)
        response.raise_for_status()
        return len(response.json())
    except (httpx.HTTPError, ValueError) as error:
        raise Uncounted(type(error).__name__) from None


async def refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
    await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)


def released_at_start(let_go: LetGoOnce, send: Send) -> Send:
    """`send`, letting the person's count go as the response starts: the engine has stored
    the run by then (or refused it), so the next request of theirs counts it."""

    async def forward(message: Message) -> None:
        if message["type"] == "http.response.start":
            await let_go()
        await send(message)

    return forward
