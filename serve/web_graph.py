"""The graph `ml-intern web` serves: Studio's graph, run in its turn, holding the thread's lock.

A run first waits for its turn (serve/run_admission.py: the server's `runs_at_once`).
Then, as a CLI session holds `store/thread_lock.py`'s lock for a whole turn, a run of the web
server does the same here, so the two never interleave on one thread. The server enters this
factory (an async context manager) around each run and leaves it when the run ends, however
it ends (finished, failed, cancelled). Reading a thread (state, history) takes no lock.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from configs.environment import ml_intern_home
from serve.run_admission import admission
from serve.studio import make_graph as studio_graph
from store.thread_lock import ThreadBusyError, ThreadLock
from tools.hub import user_tokens

if TYPE_CHECKING:
    from langgraph.graph.state import CompiledStateGraph

# The server sets this in a factory's config when the graph is built to execute a run.
FOR_EXECUTION = "__is_for_execution__"  # (serve/studio.py reads it too)


@asynccontextmanager
async def make_graph(config: Any = None) -> AsyncIterator[CompiledStateGraph[Any]]:
    """The agent graph; for a run, with the thread's lock held (ThreadBusyError if taken)."""
    graph = await studio_graph(config)
    configurable = (config or {}).get("configurable") or {}
    thread_id = configurable.get("thread_id")
    if not configurable.get(FOR_EXECUTION) or not thread_id:
        yield graph
        return
    person = user_tokens.identity_in(configurable) if user_tokens.people_sign_in() else None
    share = await asyncio.to_thread(admission)  # the first call reads the config file
    async with share.slot(str(thread_id), person):
        lock = ThreadLock(ml_intern_home(), str(thread_id))
        await take_over(lock)
        try:
            yield graph
        finally:
            await asyncio.to_thread(lock.release)  # closing a database session blocks too


HANDOVER_S = 5.0  # how long a run waits for this server's previous run of its thread to let go


async def take_over(lock: ThreadLock) -> None:
    """Take the thread's lock (file I/O, off the event loop). The server starts a thread's next
    run as soon as the previous one ends, which may be before that run's lock is released: a
    holder in this process (or one mid-release, its pid already cleared) is waited for, briefly;
    another process's run is refused at once, as before."""
    deadline = time.monotonic() + HANDOVER_S
    while True:
        try:
            await asyncio.to_thread(lock.acquire)
            return
        except ThreadBusyError as busy:
            ours = busy.pid in (None, os.getpid()) and busy.host in (
                None,
                socket.gethostname()[:40],
            )
            if not ours or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.02)
