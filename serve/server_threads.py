"""The LangGraph server's own record of threads, read and written in its process.

The only place ml-intern touches the server's runtime API (`langgraph_runtime`, which every
runtime edition implements alike: the dev server's in-memory one, the Postgres one): its
`Threads.search`, `put` and `patch`. If they move or change, serve/thread_sync.py stops
bringing threads made on other servers into this one (tests/web/test_web_two_servers.py
fails). They run with no person's auth context: the records they write are the ones the
thread index describes, owner included, not the asker's.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Iterable
from typing import Any


async def known(thread_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The server's metadata of those of `thread_ids` it has a record of."""
    wanted = list(thread_ids)
    if not wanted:
        return {}

    async def search(threads: Any, conn: Any) -> dict[str, dict[str, Any]]:
        found, _ = await threads.search(
            conn, ids=wanted, metadata=None, values=None, status=None, limit=len(wanted),
            offset=0, select=["thread_id", "metadata"],
        )  # fmt: skip
        return {str(t["thread_id"]): dict(t.get("metadata") or {}) async for t in found}

    return await _outside_any_request(search)


async def add(thread_id: str, metadata: dict[str, Any]) -> None:
    """Give the server a record of `thread_id` (kept as it is if it has one)."""

    async def put(threads: Any, conn: Any) -> None:
        async for _ in await threads.put(
            conn, thread_id, metadata=metadata, if_exists="do_nothing"
        ):
            pass

    await _outside_any_request(put)


async def update(thread_id: str, metadata: dict[str, Any]) -> None:
    """Merge `metadata` into the server's record of `thread_id` (its time becomes now)."""

    async def patch(threads: Any, conn: Any) -> None:
        async for _ in await threads.patch(conn, thread_id, metadata=metadata):
            pass

    await _outside_any_request(patch)


async def _outside_any_request(use: Callable[[Any, Any], Awaitable[Any]]) -> Any:
    """`use(Threads, conn)` in an empty context: no request's person is applied to it."""
    from langgraph_runtime.database import connect
    from langgraph_runtime.ops import Threads

    async def run() -> Any:
        async with connect() as conn:
            return await use(Threads, conn)

    return await asyncio.create_task(run(), context=contextvars.Context())
