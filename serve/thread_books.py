"""Keep the CLI's books when the LangGraph API forks or deletes a thread.

The server's own copy (`POST /threads/{id}/copy`) and delete (`DELETE /threads/{id}`) act
on its record of the thread and on the checkpoints; the CLI's thread index and spill files
are ours. This ASGI middleware waits for the server's answer and, when it succeeded, does
what `ml-intern threads fork` / `delete` do besides, before the caller hears back:

- a fork gets its index row: the source's title with " (fork)", its model and cwd;
- on a shared PostgreSQL, a new thread gets its (untitled) row at once, with its owner (the
  signed-in person the engine stamped; nobody without sign-in, whatever the client's
  metadata says), so the other servers know it before its first run (a person's next
  request may land there);
- a delete also removes the spilled tool outputs and the index row, through the CLI's own
  `Session.delete` (in a child process, serve/web_session.py).

A refused request (someone else's thread, a thread another process runs) changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serve.web_actions import run_action
from store.checkpointer import default_db_path
from store.database import database_url
from store.thread_index import ThreadIndex
from tools.hub import user_tokens

COPY_PATH = re.compile(r"^/threads/([^/]+)/copy/?$")
THREAD_PATH = re.compile(r"^/threads/([^/]+)/?$")
NEW_THREAD = re.compile(r"^/threads/?$")
log = logging.getLogger(__name__)


def record_new(thread_id: str, owner: str) -> None:
    """Blocking: a new thread's index row (its title comes with its first message)."""
    with ThreadIndex(default_db_path()) as index:
        index.touch(thread_id, owner=owner)


def record_fork(source: str, target: str) -> None:
    """Blocking: the fork's index row, as `ml-intern threads fork` writes it."""
    with ThreadIndex(default_db_path()) as index:
        index.record_fork(source, target)


class ThreadBooks:
    """Pure ASGI middleware: holds back the answer to a fork or a delete until the CLI's
    thread index and spill files agree with it; every other request passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope.get("method"), scope.get("path", "")
        copy = COPY_PATH.match(path) if method == "POST" else None
        delete = THREAD_PATH.match(path) if method == "DELETE" else None
        new = method == "POST" and NEW_THREAD.match(path) and database_url() is not None
        if scope["type"] != "http" or not (copy or delete or new):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        try:
            await self.app(scope, receive, hold)
            status = next((m["status"] for m in held if m["type"] == "http.response.start"), 500)
            if 200 <= status < 300:
                await self.settle(copy, delete, held)
        finally:
            for message in held:
                await send(message)

    async def settle(self, copy: Any, delete: Any, held: list[Message]) -> None:
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        if copy is None and delete is None:  # a new thread, on a shared database
            made = json.loads(body or b"{}")
            # The owner the server stamped where people sign in (serve/auth.py, Aegra's own);
            # without sign-in the metadata is the client's words: nobody's thread.
            stamped = (made.get("metadata") or {}).get("owner") or ""
            owner = stamped if user_tokens.people_sign_in() else ""
            await asyncio.to_thread(record_new, str(made["thread_id"]), str(owner))
        elif copy is not None:
            target = json.loads(body or b"{}").get("thread_id")
            if target:
                await asyncio.to_thread(record_fork, copy.group(1), str(target))
        elif delete is not None:
            request = {"action": "delete", "thread_id": delete.group(1)}
            status, answer = await asyncio.to_thread(run_action, request)
            if status != 200:  # the server's delete stands; say what is left behind
                log.warning("thread %s: spill files not removed: %s", delete.group(1), answer)
