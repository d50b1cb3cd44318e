"""The compat module of the LangGraph dev runtime (`langgraph-runtime-inmem`, the engine of
`ml-intern web` and `studio`): a new run starts at once, not on the queue's next half-second look.

The runtime's queue looks for pending runs every 0.5 s when it found none last time, and only
takes runs created before the look began, so a run created during the wait waits for the look
after: 0.71-0.99 s between a person's message and the model's first request, under 0.3 s with
this wake. Here a new run wakes the queue, which then looks at once; with nothing new it still
looks every 0.5 s as before. No public way: the runtime has no setting for its idle look, so its
`Runs.put` and `Runs.next` are wrapped, pinned by `PIN` and `HOOKS`; when they change, `install`
changes nothing, the server says so in its log and runs start as slowly as the runtime's own
queue (tests/web/test_runs_side_by_side.py and tests/compat/test_langgraph_runtime_inmem.py fail).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

from compat.pins import Hook, Pin, allowed

PIN = Pin("langgraph-runtime-inmem", ">=0.36,<0.37")
HOOKS = (
    Hook("langgraph_runtime_inmem.ops", "Runs.put"),  # called with whatever it was given
    Hook("langgraph_runtime_inmem.ops", "Runs.next", ("wait", "limit")),
)
IDLE_LOOK_S = 0.5  # the runtime's own interval between looks when nothing comes


class Wake:
    """Set when a run is created; the queue's wait ends early when it is."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.event: asyncio.Event | None = None

    def ring(self) -> None:
        if self.loop is not None and self.event is not None:
            with contextlib.suppress(RuntimeError):  # the server's loop has closed
                self.loop.call_soon_threadsafe(self.event.set)

    async def wait(self) -> None:
        """Until a run is created, or `IDLE_LOOK_S` at most."""
        if self.event is None:
            self.loop, self.event = asyncio.get_running_loop(), asyncio.Event()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(IDLE_LOOK_S):
                await self.event.wait()
        self.event.clear()


def install() -> bool:
    """Wrap the dev runtime's run creation and queue look (once); False, changing nothing, when
    the runtime is not loaded or differs from what this was written for."""
    ops = sys.modules.get("langgraph_runtime_inmem.ops")
    if ops is None or not allowed(PIN, HOOKS):
        return False
    runs = getattr(ops, "Runs", None)
    if runs is None or getattr(runs, "_ml_intern_wakes", False):
        return runs is not None
    put, look = runs.__dict__.get("put"), runs.__dict__.get("next")
    if not (isinstance(put, staticmethod) and isinstance(look, staticmethod)):
        return False
    if not _fits(put.__func__, look.__func__):
        return False
    wake = Wake()
    runs.put = staticmethod(waking(put.__func__, wake))
    runs.next = staticmethod(looking(look.__func__, wake))
    runs._ml_intern_wakes = True
    return True


def _fits(put: Callable[..., Any], look: Callable[..., Any]) -> bool:
    """The shapes this module relies on: `put` a coroutine, `next(wait, limit)` a generator."""
    params = list(inspect.signature(look).parameters)
    return (
        inspect.iscoroutinefunction(put)
        and inspect.isasyncgenfunction(look)
        and params[:2] == ["wait", "limit"]
    )


def waking(put: Callable[..., Any], wake: Wake) -> Callable[..., Any]:
    """`Runs.put` that wakes the queue once the run it creates is stored."""

    async def put_and_wake(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        return _then_ring(await put(*args, **kwargs), wake)

    return put_and_wake


async def _then_ring(created: AsyncIterator[Any], wake: Wake) -> AsyncIterator[Any]:
    try:
        async for run in created:
            wake.ring()
            yield run
    finally:
        wake.ring()


def looking(look: Callable[..., AsyncIterator[Any]], wake: Wake) -> Callable[..., Any]:
    """`Runs.next` whose idle wait ends when a run is created, and whose look then takes
    every run created before it (the runtime's own look waits first, then takes only the
    runs created before its wait began)."""

    async def next_run(wait: bool, limit: int = 1) -> AsyncIterator[Any]:
        if wait:
            await wake.wait()
        async for found in look(False, limit):
            yield found

    return next_run
