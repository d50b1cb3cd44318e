"""Several servers on one PostgreSQL: a request about a run goes to the server holding it.

The LangGraph dev server keeps runs in its memory, so behind a load balancer a person who
started a run on server A and whose next request lands on B (joining the run's stream,
listing the thread's runs, Stop, the page's "why does it wait") would get B's 404. This
ASGI middleware looks the run (or the thread's live run) up in store/live_runs.py and
relays the request to its holder, streaming the answer back as it comes. A run taken over
from a silent server answers under its old id too. Creating a run stays here: the thread's
lock decides who runs it (serve/run_guard.py refuses one another server runs).

It sits after the access checks: only a request this server accepts is relayed, and the
holder checks it again (its headers, credentials included, go along unchanged).
"""

from __future__ import annotations

import asyncio
import contextlib
import re

import httpx
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serve.run_takeover import ThisServer, this_server
from store import live_runs
from store.database import DatabaseError, database_url

NEW_RUN = re.compile(r"^/threads/([0-9a-fA-F-]{36})/runs(/stream|/wait)?/?$")
CREATED = re.compile(rb"^/threads/([0-9a-fA-F-]{36})/runs/([0-9a-fA-F-]{36})$")
RUN_PATH = re.compile(r"^/threads/([0-9a-fA-F-]{36})/runs/([0-9a-fA-F-]{36})(/[a-z]+)?/?$")
THREAD_RUNS = re.compile(r"^(/web)?/threads/([0-9a-fA-F-]{36})/(runs|waiting)/?$")
RELAYED = b"x-ml-intern-relayed"  # a relayed request is answered where it lands, never again
HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"upgrade", b"host"}
_CLIENT: list[httpx.AsyncClient] = []


def relay_client() -> httpx.AsyncClient:
    """One client for the process's relays: quick to say a server is gone, patient with a
    stream that is quiet while the model thinks."""
    if not _CLIENT:
        _CLIENT.append(
            httpx.AsyncClient(
                timeout=httpx.Timeout(None, connect=5.0),
                trust_env=False,
                limits=httpx.Limits(max_connections=1000, max_keepalive_connections=20),
            )
        )
    return _CLIENT[0]


def holder(server: ThisServer, scope: Scope) -> live_runs.Owner | None:
    """Blocking: the live run this request is about, when this server does not hold it
    as it is (None: answer here)."""
    method, path = scope["method"], scope["path"]
    if match := RUN_PATH.match(path):
        owner = live_runs.owner_of_run(server.url, match.group(2).lower(), server.stale_s)
    elif method == "GET" and (match := THREAD_RUNS.match(path)):
        owner = live_runs.owner_of_thread(server.url, match.group(2).lower(), server.stale_s)
    else:
        return None
    here = owner is not None and owner.server_id == server.server_id
    return None if owner is None or (here and owner.resumed_as is None) else owner


class RunForwarding:
    """Pure ASGI middleware: relays requests about another server's runs to it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        shared = scope["type"] == "http" and database_url() is not None  # else one server
        server = await asyncio.to_thread(this_server) if shared else None
        if server is None:
            await self.app(scope, receive, send)
            return
        server.learn_address(scope)
        await server.start()
        try:
            owner = await asyncio.to_thread(holder, server, scope)
        except DatabaseError:
            owner = None  # the database is away: this server answers what it knows
        if owner is None and scope["method"] == "POST" and NEW_RUN.match(scope["path"]):
            await self.app(scope, receive, booked(server, send))
        elif owner is None:
            await self.app(scope, receive, send)
        elif owner.server_id == server.server_id:  # taken over here: the old id is the new run
            path = scope["path"].replace(owner.run_id, str(owner.resumed_as))
            await self.app({**scope, "path": path, "raw_path": path.encode()}, receive, send)
        elif any(k == RELAYED for k, _ in scope["headers"]):
            await self.app(scope, receive, send)  # relayed once already: no loops
        elif owner.alive and owner.address:
            await relay(scope, receive, send, owner.address, server.stale_s)
        else:
            await gone(scope, receive, send, server.stale_s)


def booked(server: ThisServer, send: Send) -> Send:
    """`send`, writing a run this server just made into the books before its caller hears
    of it: the caller's next request, wherever it lands, finds the run."""

    async def book_then_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            where = dict(message.get("headers") or []).get(b"content-location", b"")
            if made := CREATED.match(where):
                run_id, thread_id = made.group(2).decode(), made.group(1).decode()
                await server.hold(run_id, thread_id, {})
        await send(message)

    return book_then_send


async def gone(scope: Scope, receive: Receive, send: Send, stale_s: float) -> None:
    detail = (
        "The server running this thread stopped answering. Another server takes its run "
        f"over within {stale_s:.0f} s of its last sign of life: reload the thread then."
    )
    await JSONResponse({"detail": detail}, status_code=503)(scope, receive, send)


async def relay(scope: Scope, receive: Receive, send: Send, address: str, stale_s: float) -> None:
    """Send the request on to `address` and its answer back, chunk by chunk; stop when
    the caller hangs up."""
    body = b""
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return
        body += message.get("body", b"")
        more = message.get("more_body", False)
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
    target = address.rstrip("/") + scope["path"]
    if scope.get("query_string"):
        target += "?" + scope["query_string"].decode("latin-1")
    request = relay_client().build_request(
        scope["method"], target, headers=[*headers, (RELAYED, b"1")], content=body
    )
    try:
        answer = await relay_client().send(request, stream=True)
    except httpx.TransportError:
        await gone(scope, receive, send, stale_s)
        return
    try:
        pump = asyncio.create_task(copy(answer, send))
        hang_up = asyncio.create_task(disconnected(receive))
        await asyncio.wait({pump, hang_up}, return_when=asyncio.FIRST_COMPLETED)
        for task in (pump, hang_up):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.TransportError, OSError):
                await task
    finally:
        await answer.aclose()


async def copy(answer: httpx.Response, send: Send) -> None:
    headers = [(k, v) for k, v in answer.headers.raw if k.lower() not in HOP_BY_HOP]
    await send({"type": "http.response.start", "status": answer.status_code, "headers": headers})
    async for chunk in answer.aiter_raw():
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def disconnected(receive: Receive) -> None:
    message: Message = {"type": ""}
    while message["type"] != "http.disconnect":
        message = await receive()
