"""Refuse, before the server starts anything, what would hang or lose work, and build every
run the server executes.

An ASGI middleware on both engines' APIs (serve/app.py, serve/aegra/app.py):

- every request that may write is sorted by serve/run_routes.py: a run on a thread is
  parsed and rebuilt; a route that would start a run or write a thread's state past this
  parser (stateless runs, crons, `POST /threads/{id}/state`, MCP, a WebSocket...), or
  that no one has looked at, is refused (403, a sentence);
- a thread named by its UUID spelt otherwise than the server writes it (upper case, braces,
  no hyphens): 404, so a lock, the books and the files always go by the one name;
- a run (or a delete, or a copy) on a thread another process is running (the CLI holds its
  lock): 409 with the lock's own sentence, instead of a run that fails or interleaves;
- a run body is parsed into what a person may say (serve/run_request.py) and the engine
  receives the body the server builds from it: no client config, the thread in the path,
  the operator's caps (a person may lower them). Anything else is a 422 naming the field;
- an answer to an approval that is not one valid decision per pending request: 422 saying
  what is wrong. `parse_decisions` would turn a malformed decision into a rejection; here
  nothing runs and the approval stays pending, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from configs.environment import ml_intern_home
from serve.origin_guard import refuse_websocket
from serve.run_request import OperatorCaps, RunRefused, model_refusal, parse_run
from serve.run_routes import Rule, rule_of
from serve.server_settings import server_settings
from store.thread_lock import ThreadBusyError, ThreadLock
from tools.hub import user_tokens
from tools.tls import verifying_context

if TYPE_CHECKING:
    from configs.settings import Settings

RUN_PATH = re.compile(r"^/threads/([^/]+)/runs(?:/stream|/wait)?/?$")
THREADS_PATH = re.compile(r"^/threads/?$")
THREAD_PATH = re.compile(r"^/threads/([^/]+)/?$")
COPY_PATH = re.compile(r"^/threads/([^/]+)/copy/?$")
THREAD_SEGMENT = re.compile(r"^(?:/web)?/threads/([^/]+)")
DECISION_TYPES = ("approve", "reject", "edit", "respond")
FORWARDED = ("authorization", "cookie")


def busy_message(thread_id: str) -> str | None:
    """Blocking: why `thread_id` cannot start now (another process runs it), or None.
    This server's own runs do not count: it queues a thread's runs itself."""
    lock = ThreadLock(ml_intern_home(), thread_id)
    try:
        lock.acquire()
    except ThreadBusyError as busy:
        return None if busy.pid == os.getpid() else str(busy)
    lock.release()
    return None


def misspelt_thread(path: str) -> str | None:
    """Why the thread id in `path` is refused, or None: a UUID spelt otherwise than the server
    writes it (upper case, braces, no hyphens). The engines read any spelling as the thread,
    while its lock, its books and its files are named by the id as written: one thread under
    two names would run past the lock a CLI holds (a delete went through, 2026-12-06)."""
    match = THREAD_SEGMENT.match(path)
    if match is None:
        return None
    try:
        canonical = str(uuid.UUID(match.group(1)))
    except ValueError:  # not a UUID at all (`/threads/search`, or the engine's own 404)
        return None
    if canonical == match.group(1):
        return None
    return f"Not found: a thread id is written as the server gives it, e.g. {canonical}."


def decision_problem(resume: Any, expected: int) -> str | None:
    """What is wrong with an approval answer for `expected` pending requests, or None."""
    if expected == 0:
        return "This thread is not waiting for an approval: there is nothing to answer."
    decisions = resume.get("decisions") if isinstance(resume, Mapping) else resume
    if not isinstance(decisions, list):
        return 'An approval answer is {"decisions": [...]}: one decision per pending request.'
    if len(decisions) != expected:
        return f"Expected {expected} decision(s), one per pending request; got {len(decisions)}."
    if isinstance(resume, Mapping) and not isinstance(resume.get("yolo", False), bool):
        return '"yolo" must be true or false.'
    for n, decision in enumerate(decisions, start=1):
        if problem := one_decision_problem(decision):
            return f"Decision {n}: {problem}"
    return None


def one_decision_problem(decision: Any) -> str | None:
    kind = decision.get("type") if isinstance(decision, Mapping) else None
    if kind not in DECISION_TYPES:
        return f'"type" must be one of {", ".join(DECISION_TYPES)}; got {kind!r}.'
    message = decision.get("message")
    if message is not None and not isinstance(message, str):
        return '"message" must be text.'
    if kind == "edit":
        action = decision.get("edited_action")
        args = action.get("args") if isinstance(action, Mapping) else decision.get("args")
        if not isinstance(args, Mapping):
            return (
                'an edit needs the new arguments as an object: {"edited_action": {"args": {...}}}.'
            )
    return None


def own_api(scope: Scope) -> httpx.AsyncClient:
    """A client for this server's own API, at the address the request came in on (an IPv6
    one bracketed), carrying the caller's credentials as they came: the `Authorization` and
    `Cookie` headers, and a `?token=` query token."""
    host, port = scope.get("server") or ("127.0.0.1", 80)
    host = f"[{host}]" if ":" in host else host
    headers = {
        k.decode("latin-1"): v.decode("latin-1")
        for k, v in scope.get("headers", [])
        if k.decode("latin-1").lower() in FORWARDED
    }
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    params = {"token": query["token"][0]} if query.get("token") else None
    # One context for every such client: a new default one parsed the CA bundle (25-45 ms of
    # CPU) on each guarded request, for a plain http:// address.
    return httpx.AsyncClient(
        base_url=f"http://{host}:{port}", headers=headers, params=params, timeout=30,
        trust_env=False, verify=verifying_context(),
    )  # fmt: skip


async def pending_requests(scope: Scope, thread_id: str) -> int:
    """How many action requests the thread's pending approval holds (0: none), read from
    this server's own API with the caller's credentials."""
    async with own_api(scope) as client:
        response = await client.get(f"/threads/{thread_id}/state")
    if response.status_code != 200:
        return 0
    state = response.json()
    interrupts = state.get("interrupts") or [
        i for task in state.get("tasks") or [] for i in task.get("interrupts") or []
    ]
    value = interrupts[0].get("value") if interrupts else None
    return len(value.get("action_requests") or []) if isinstance(value, Mapping) else 0


def operator_caps(settings: Settings) -> OperatorCaps:
    """The operator's limits for one run."""
    return OperatorCaps(settings.max_iterations, settings.max_cost_usd)


def served_folder() -> Path | None:
    """The folder token-mode runs work in (as GET /web/info says); None where people sign
    in: each works in their own folder there (nodes/run_options.py)."""
    if user_tokens.people_sign_in():
        return None
    return Path(os.environ.get("ML_INTERN_WORKSPACE") or Path.cwd()).expanduser().resolve()


def with_body(scope: Scope, body: bytes) -> Scope:
    """`scope` for a request whose body is now `body` (its Content-Length said again)."""
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}


class RunGuard:
    """Pure ASGI middleware: streams pass through untouched; refusals are JSON `detail`s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.settings: Settings | None = None  # the server's, read at the first run

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await refuse_websocket(receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if (misspelt := misspelt_thread(path)) is not None:
            await JSONResponse({"detail": misspelt}, status_code=404)(scope, receive, send)
            return
        rule, why = rule_of(method, path)
        if rule is Rule.REFUSED:
            await JSONResponse({"detail": why}, status_code=403)(scope, receive, send)
            return
        if rule is Rule.RUN:
            await self.run(scope, receive, send)
            return
        if method == "POST" and THREADS_PATH.match(path):
            await self.new_thread(scope, receive, send)
            return
        other = (THREAD_PATH.match(path) if method == "DELETE" else None) or (
            COPY_PATH.match(path) if method == "POST" else None
        )
        busy = other and await asyncio.to_thread(busy_message, other.group(1))
        if busy:
            await JSONResponse({"detail": busy}, status_code=409)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def new_thread(self, scope: Scope, receive: Receive, send: Send) -> None:
        """POST /threads, without `supersteps` (state written as any node, before any run)."""
        body, receive = await buffered(receive)
        try:
            payload = json.loads(body or b"{}")
        except (ValueError, RecursionError):  # the engine's own parser refuses it too
            payload = None
        if isinstance(payload, Mapping) and payload.get("supersteps") is not None:
            detail = (
                '"supersteps" is refused: a thread starts empty and changes only by its runs; '
                "make it without them, then send a message."
            )
            await JSONResponse({"detail": detail}, status_code=422)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A run on a thread: refused, or the server's own body handed to the engine."""
        thread_id = RUN_PATH.match(scope["path"]).group(1)  # type: ignore[union-attr]
        body, replay = await buffered(receive)
        built = await self.built(scope, thread_id, body)
        if isinstance(built, tuple):
            status, detail = built
            await JSONResponse({"detail": detail}, status_code=status)(scope, replay, send)
            return
        await self.app(with_body(scope, built), replayed(built, receive), send)

    async def built(self, scope: Scope, thread_id: str, body: bytes) -> bytes | tuple[int, str]:
        """The body the engine runs, or (status, why not)."""
        busy = await asyncio.to_thread(busy_message, thread_id)
        if busy is not None:
            return 409, busy
        try:
            payload = json.loads(body or b"{}")
        except (ValueError, RecursionError):  # nested past Python's limit: not a run either
            return 422, "The request body is not JSON."
        if self.settings is None:
            self.settings = await asyncio.to_thread(server_settings)
        caps, signed_in = operator_caps(self.settings), user_tokens.people_sign_in()
        try:
            request = parse_run(payload, thread_id, caps, signed_in, served_folder())
        except RunRefused as refused:
            return 422, str(refused)
        model = request.model
        if model and (problem := await asyncio.to_thread(model_refusal, model, self.settings)):
            return 422, problem
        if request.answers_approval:
            expected = await pending_requests(scope, thread_id)
            if problem := decision_problem(request.resume, expected):
                return 422, problem
        built = request.engine_body(caps, None if signed_in else served_folder())
        return json.dumps(built).encode()


async def buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a `receive` that hands it on again."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    return body, replayed(body, receive)


def replayed(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands on `body` once, then the connection's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
