"""Threads made elsewhere on the team server's database open on it, approvals included.

serve/thread_sync.py's look at the shared thread index (before a search, and before a
request on a thread not seen yet), written into Aegra's own records instead of the embedded
server's (serve/aegra/thread_records.py). A run request on a thread looks again every time:
the CLI may have advanced the thread since, and Aegra resumes an approval only when its
record says the thread waits on one.
"""

from __future__ import annotations

import asyncio
import re

from starlette.types import Receive, Scope, Send

from serve import studio
from serve.aegra import thread_records
from serve.thread_sync import ThreadSync, record_of
from store.database import database_url
from store.thread_index import ThreadInfo, is_uuid
from tools.hub import user_tokens

RUN_PATH = re.compile(r"^/threads/([0-9a-fA-F-]{36})/runs(?:/stream|/wait)?/?$")


class ThreadAdoption(ThreadSync):
    """Pure ASGI middleware: Aegra's thread records caught up with the index."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        run = scope["type"] == "http" and scope["method"] == "POST"
        if run and (match := RUN_PATH.match(scope["path"])):
            self.learnt.discard(match.group(1).lower())
        await super().__call__(scope, receive, send)

    def active(self, scope: Scope) -> bool:
        return scope["type"] == "http"

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
