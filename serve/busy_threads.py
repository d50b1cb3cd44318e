"""A thread another process is running shows as busy here too.

The LangGraph server knows only its own runs: a thread that another `ml-intern web` on the
same database (or the CLI) is running would read `idle` in this server's thread list and
thread record. This ASGI middleware reads those two answers (`POST /threads/search`,
`GET /threads/{id}`) and marks `busy` every thread whose run lock someone holds, which it
learns without taking any lock (store/thread_lock.py's `running`). A run started on it here
is refused with the lock holder's name (serve/run_guard.py).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from configs.environment import ml_intern_home
from store.database import DatabaseError
from store.thread_lock import running

THREAD_PATH = re.compile(r"^/threads/[^/]+/?$")


def marked(body: bytes, home: Any) -> bytes | None:
    """Blocking: `body` with the threads someone runs marked busy; None when none is."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    threads = [t for t in (data if isinstance(data, list) else [data]) if isinstance(t, dict)]
    idle = {str(t.get("thread_id")): t for t in threads if t.get("status") != "busy"}
    try:
        busy = running(home, idle)
    except DatabaseError:
        return None  # the database is away: the answer stands as the server gave it
    for thread_id in busy:
        idle[thread_id]["status"] = "busy"
    return json.dumps(data).encode() if busy else None


class BusyThreads:
    """Pure ASGI middleware: holds back a thread list or record to mark the busy ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope.get("method"), scope.get("path", "")
        wanted = (method == "POST" and path == "/threads/search") or (
            method == "GET" and THREAD_PATH.match(path)
        )
        if scope["type"] != "http" or not wanted:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        start = next((m for m in held if m["type"] == "http.response.start"), None)
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        changed = None
        if start is not None and start["status"] == 200:
            changed = await asyncio.to_thread(marked, body, ml_intern_home())
        if changed is None:
            for message in held:
                await send(message)
            return
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(changed)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": changed, "more_body": False})
