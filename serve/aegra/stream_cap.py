"""Open streams on one team-server replica: at most `server.streams_per_replica`, and at most
`server.streams_per_person` of one signed-in person's.

Aegra serves each open stream (`/stream`, `/join`, a run made with `/runs/stream`) from a
Redis pub/sub connection of its own, out of one pool per replica (REDIS_MAX_CONNECTIONS,
set by cli/team_server.py to these streams plus room for the replica's own work). A client
that opens streams and never reads them would hold the whole pool, and every other person's
run on that replica would fail (the spike: 500 such streams, another person's run got 500).
This middleware counts the streams open on its replica while they are served and refuses
one more with 429 and a sentence. With a shared access token nobody is told apart: only the
replica's cap applies.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from serve.sign_in_sessions import person_from_scope

STREAM_PATH = re.compile(
    r"^/(?:threads/[^/]+/)?(?:runs/[^/]+/(?:stream|join)|runs/stream|stream/events)/?$"
)


def too_many(cap: int, whose: str) -> str:
    """The sentence a stream beyond a cap is refused with."""
    return (
        f"{whose} {cap} streams open, the most {'one person' if whose == 'You have' else 'it'} "
        "may have at once. Close a tab or a client that follows a run, then try again."
    )


class StreamCap:
    """Pure ASGI middleware: a stream is served only under both caps."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.limits: tuple[int, int] | None = None  # (per replica, per person)
        self.people: Counter[str] = Counter()
        self.open = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not STREAM_PATH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        per_replica, per_person = await self.caps()
        person = person_from_scope(scope)
        refused = None
        if self.open >= per_replica:
            refused = too_many(per_replica, "This server has")
        elif person is not None and self.people[person.identity] >= per_person:
            refused = too_many(per_person, "You have")
        if refused:
            await JSONResponse({"detail": refused}, status_code=429)(scope, receive, send)
            return
        who = person.identity if person else ""
        self.open += 1
        self.people[who] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1
            self.people[who] -= 1
            if self.people[who] <= 0:
                del self.people[who]

    async def caps(self) -> tuple[int, int]:
        if self.limits is None:
            from serve.server_settings import server_settings

            server = (await asyncio.to_thread(server_settings)).server
            self.limits = (server.streams_per_replica, server.streams_per_person)
        return self.limits
