"""Threads made elsewhere on the same database appear on this server too.

The LangGraph server lists and opens only the threads it has a record of; `ml-intern web`
registers the thread index's threads at start, but a thread made after that by another
server on the same database (or by the CLI) would stay unknown here. So before a thread
search, and before any request on a thread this server has no record of, this ASGI
middleware brings its records up to date from the shared thread index: only the rows
changed since the last look (re-read `SLACK_S` behind the newest seen, as commits from
several machines land out of order), each added with its title, model, directory and
owner (where people sign in, serve/auth.py shows a thread only to its owner), or, when
known, given its last activity. A thread's clock is its writer's: servers sharing a
database should keep their clocks in sync (NTP).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from serve import server_threads
from store.checkpointer import default_db_path
from store.database import DatabaseError
from store.thread_index import ThreadIndex, ThreadInfo, is_uuid

SEARCH_PATH = "/threads/search"
THREAD_PATH = re.compile(r"^/threads/([0-9a-fA-F-]{36})(?:/|$)")
FIRST_LOOK = 500  # the newest rows read at the first look, as `ml-intern web` registers
CHANGED_MAX = 2000
SLACK_S = 60.0
GRAPH_ID = "ml_intern"  # the server reads a thread's state through the graph its record names
log = logging.getLogger(__name__)


def record_of(row: ThreadInfo) -> dict[str, Any]:
    """The server's metadata for an index row (the owner only where there is one)."""
    metadata: dict[str, Any] = {"title": row.title, "model": row.model, "cwd": row.cwd,
                                "last_activity": row.updated_at, "graph_id": GRAPH_ID}  # fmt: skip
    return {**metadata, "owner": row.owner} if row.owner else metadata


def changed_rows(since: float | None) -> list[ThreadInfo]:
    """Blocking: index rows updated at or after `since` (None: the newest), newest first."""
    with ThreadIndex(default_db_path()) as index:
        return index.list(since=since, limit=FIRST_LOOK if since is None else CHANGED_MAX)


def one_row(thread_id: str) -> list[ThreadInfo]:
    with ThreadIndex(default_db_path()) as index:
        found = index.get(thread_id)
    return [found] if found else []


class ThreadSync:
    """Pure ASGI middleware: catches the server's thread records up with the index."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.newest: float | None = None  # the newest index time applied
        self.learnt: set[str] = set()  # ids looked up by a request on them, and found
        self.lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.active(scope):
            path = scope["path"]
            if path == SEARCH_PATH and scope["method"] == "POST":
                await self.sync(self.catch_up)
            elif (match := THREAD_PATH.match(path)) and match.group(1).lower() not in self.learnt:
                await self.sync(self.learn, match.group(1).lower())
        await self.app(scope, receive, send)

    def active(self, scope: Scope) -> bool:
        """Only inside a LangGraph server (the app is also imported without one, in tests)."""
        return scope["type"] == "http" and "langgraph_runtime" in sys.modules

    async def sync(self, step: Any, *args: str) -> None:
        """One sync step at a time; a database that is away leaves the records as they are."""
        async with self.lock:
            try:
                await step(*args)
            except DatabaseError as error:
                log.warning("ml-intern: threads of other servers not brought in: %s", error)

    async def catch_up(self) -> None:
        since = None if self.newest is None else self.newest - SLACK_S
        rows = await asyncio.to_thread(changed_rows, since)
        await self.apply(rows)
        self.newest = max([self.newest or 0.0, *(row.updated_at for row in rows)])

    async def learn(self, thread_id: str) -> None:
        rows = await asyncio.to_thread(one_row, thread_id)
        await self.apply(rows)
        if rows:
            self.learnt.add(thread_id)

    async def apply(self, rows: list[ThreadInfo]) -> None:
        """Add the rows' threads the server does not know; refresh the ones it knows."""
        rows = [row for row in rows if is_uuid(row.thread_id)]
        records = await server_threads.known(row.thread_id for row in rows)
        for row in reversed(rows):  # oldest first: the newest ends up on top
            have = records.get(row.thread_id)
            if have is None:
                await server_threads.add(row.thread_id, record_of(row))
            elif have.get("last_activity") != row.updated_at or "graph_id" not in have:
                news = {"last_activity": row.updated_at, "graph_id": GRAPH_ID}
                await server_threads.update(
                    row.thread_id, {**news, "title": row.title} if not have.get("title") else news
                )
