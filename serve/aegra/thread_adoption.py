"""Threads the CLI made on the team server's database open on it, approvals included.

Aegra lists and opens only threads it has a record of (serve/aegra/thread_records.py). So
before a thread search, and before a request on a thread not seen yet, this ASGI middleware
reads the shared thread index and writes what changed into Aegra's records: the rows
changed since the last look (re-read `SLACK_S` behind the newest seen, as commits from
several machines land out of order), each with its title, model, directory and owner. A run
request on a thread looks again every time: the CLI may have advanced the thread since, and
Aegra resumes an approval only when its record says the thread waits on one. A row this
process wrote last (store/index_writes.py) is read and left: no one has written it since. A
thread's clock is its writer's: machines sharing a database should keep their clocks in sync
(NTP).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from serve import studio
from serve.aegra import thread_records
from store.checkpointer import default_db_path
from store.database import DatabaseError, database_url
from store.index_writes import wrote_last
from store.thread_index import ThreadIndex, ThreadInfo, is_uuid
from tools.hub import user_tokens

SEARCH_PATH = "/threads/search"
THREAD_PATH = re.compile(r"^/threads/([0-9a-fA-F-]{36})(?:/|$)")
RUN_PATH = re.compile(r"^/threads/([0-9a-fA-F-]{36})/runs(?:/stream|/wait)?/?$")
FIRST_LOOK = 500  # the newest rows read at the first look
CHANGED_MAX = 2000
SLACK_S = 60.0
GRAPH_ID = "ml_intern"
log = logging.getLogger(__name__)


def record_of(row: ThreadInfo) -> dict[str, Any]:
    """The record's metadata for an index row (the owner only where there is one)."""
    metadata: dict[str, Any] = {"title": row.title, "model": row.model, "cwd": row.cwd,
                                "last_activity": row.updated_at, "graph_id": GRAPH_ID}  # fmt: skip
    return {**metadata, "owner": row.owner} if row.owner else metadata


def changed_rows(since: float | None) -> list[ThreadInfo]:
    """Blocking: index rows updated at or after `since` (None: the newest), newest first."""
    with ThreadIndex(default_db_path()) as index:
        return index.list(since=since, limit=FIRST_LOOK if since is None else CHANGED_MAX)


def one_row(thread_id: str) -> list[ThreadInfo]:
    """Blocking: the thread's index row. On the index's own pool, not the saver's: read there,
    behind the checkpoints of every running run, a request's look waited its turn."""
    with ThreadIndex(default_db_path()) as index:
        found = index.get(thread_id)
    return [found] if found else []


class ThreadAdoption:
    """Pure ASGI middleware: Aegra's thread records caught up with the index."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.newest: float | None = None  # the newest index time applied
        self.learnt: set[str] = set()  # ids looked up by a request on them, and found
        self.lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if scope["method"] == "POST" and (run := RUN_PATH.match(path)):
                self.learnt.discard(run.group(1).lower())
            if path == SEARCH_PATH and scope["method"] == "POST":
                await self.sync(self.catch_up)
            elif (match := THREAD_PATH.match(path)) and match.group(1).lower() not in self.learnt:
                await self.sync(self.learn, match.group(1).lower())
        await self.app(scope, receive, send)

    async def sync(self, step: Any, *args: str) -> None:
        """One look at a time; a database that is away leaves the records as they are."""
        async with self.lock:
            try:
                await step(*args)
            except DatabaseError as error:
                log.warning("ml-intern: threads made elsewhere not brought in: %s", error)

    async def catch_up(self) -> None:
        since = None if self.newest is None else self.newest - SLACK_S
        rows = await asyncio.to_thread(changed_rows, since)
        await self.apply(rows)
        self.newest = max([self.newest or 0.0, *(row.updated_at for row in rows)])

    async def learn(self, thread_id: str) -> None:
        """The thread's record brought in from its index row, unless this process wrote the
        row last (store/index_writes.py): then its writes were Aegra's runs, whose records
        Aegra keeps, or the books of a thread Aegra made."""
        rows = await asyncio.to_thread(one_row, thread_id)
        await self.apply([row for row in rows if not wrote_last(row.thread_id, row.updated_at)])
        if rows:
            self.learnt.add(thread_id)

    async def apply(self, rows: list[ThreadInfo]) -> None:
        url = database_url()
        if not url or studio.SERVER.saver is None:
            return
        sign_in = user_tokens.people_sign_in()
        for row in reversed(rows):  # oldest first: the newest ends up on top
            if not is_uuid(row.thread_id) or (sign_in and not row.owner):
                continue  # the CLI's threads have no owner: nobody's, where people sign in
            owner = row.owner if sign_in and row.owner else thread_records.ANONYMOUS
            known = {k: v for k, v in record_of(row).items() if v not in (None, "")}
            await asyncio.to_thread(
                thread_records.upsert, url, row.thread_id, metadata=known,
                waiting=await waits_on_approval(row.thread_id), user_id=owner,
            )  # fmt: skip


async def waits_on_approval(thread_id: str) -> bool:
    """True when the thread's last checkpoint holds an interrupt (an approval asked)."""
    graph = await studio.SERVER.with_checkpointer()
    state = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    return bool(state.interrupts)
