"""Refuse, before the server starts anything, what would hang or lose work.

An ASGI middleware on the LangGraph API as the web UI uses it:

- a run (or a delete, or a copy) on a thread another process is running (the CLI holds its
  lock): 409 with the lock's own sentence, instead of a run that fails or interleaves;
- a run that names another thread or a person, or (where people sign in) creates its
  thread or calls a webhook: 422 (serve/run_rules.py);
- an answer to an approval that is not one valid decision per pending request: 422 saying
  what is wrong. `parse_decisions` would turn a malformed decision into a rejection; here
  nothing runs and the approval stays pending, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import httpx
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from configs.environment import ml_intern_home
from serve.run_rules import run_problem
from store.thread_lock import ThreadBusyError, ThreadLock
from tools.hub import user_tokens

RUN_PATH = re.compile(r"^/threads/([^/]+)/runs(?:/stream|/wait)?/?$")
THREAD_PATH = re.compile(r"^/threads/([^/]+)/?$")
COPY_PATH = re.compile(r"^/threads/([^/]+)/copy/?$")
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
    return httpx.AsyncClient(
        base_url=f"http://{host}:{port}", headers=headers, params=params, timeout=30,
        trust_env=False,
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


class RunGuard:
    """Pure ASGI middleware: streams pass through untouched; refusals are JSON `detail`s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        run = RUN_PATH.match(path) if method == "POST" else None
        other = (THREAD_PATH.match(path) if method == "DELETE" else None) or (
            COPY_PATH.match(path) if method == "POST" else None
        )
        target = run or other
        if target is None:
            await self.app(scope, receive, send)
            return
        thread_id = target.group(1)
        body, receive = await buffered(receive) if run else (b"", receive)
        refusal = await self.refusal(scope, thread_id, body if run else None)
        if refusal is not None:
            status, detail = refusal
            await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def refusal(
        self, scope: Scope, thread_id: str, body: bytes | None
    ) -> tuple[int, str] | None:
        busy = await asyncio.to_thread(busy_message, thread_id)
        if busy is not None:
            return 409, busy
        if body is None:
            return None
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return 422, "The request body is not JSON."
        if problem := run_problem(payload, thread_id, user_tokens.people_sign_in()):
            return 422, problem
        command = payload.get("command")
        if not isinstance(command, Mapping) or "resume" not in command:
            return None
        problem = decision_problem(command["resume"], await pending_requests(scope, thread_id))
        return None if problem is None else (422, problem)


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
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
