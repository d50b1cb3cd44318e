"""The graph the team server runs: the web graph, each run holding its thread's lock.

Aegra calls the factory for every request that needs the graph; only a run's execution
(`threads.create_run`) takes the thread's lock (store/thread_lock.py, an advisory lock in
the shared database), so a CLI turn and a team-server run never interleave on one thread,
whichever machine they run on. The thread's index row names the served directory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langgraph.graph.state import CompiledStateGraph
from langgraph_sdk.runtime import ServerRuntime

from configs.environment import ml_intern_home
from serve.studio import SERVER, touch_workspace
from serve.web_graph import take_over
from store.thread_lock import ThreadLock
from tools.hub import user_tokens

EXECUTION = "threads.create_run"
# Aegra reads the factory's annotations (get_type_hints) to find the ServerRuntime
# parameter, so every name in them is imported at run time.


@asynccontextmanager
async def make_graph(
    config: dict[str, Any], runtime: ServerRuntime
) -> AsyncIterator[CompiledStateGraph[Any]]:
    """The agent graph; for a run's execution, with the thread's lock held."""
    graph = await SERVER.get()
    thread_id = (config.get("configurable") or {}).get("thread_id")
    if runtime.access_context != EXECUTION or not thread_id:
        yield graph
        return
    if not user_tokens.people_sign_in():  # their threads are theirs, not the directory's
        await asyncio.to_thread(touch_workspace, str(thread_id))
    lock = ThreadLock(ml_intern_home(), str(thread_id))
    await take_over(lock)
    try:
        yield graph
    finally:
        await asyncio.to_thread(lock.release)
