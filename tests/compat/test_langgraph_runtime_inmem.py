"""compat/langgraph_runtime_inmem.py: the dev runtime's queue woken by a new run, on the pinned
runtime (the wake's effect on a real server: tests/web/test_runs_side_by_side.py)."""

from __future__ import annotations

import asyncio


def test_the_installed_runtime_has_the_two_methods_the_wake_wraps() -> None:
    from compat import langgraph_runtime_inmem as fence
    from compat.pins import problems

    found = problems(fence.PIN, fence.HOOKS)
    assert found == [], "compat/langgraph_runtime_inmem.py: " + "\n".join(found)


def test_a_wait_ends_when_a_run_is_made_not_on_the_next_half_second_look() -> None:
    from compat.langgraph_runtime_inmem import IDLE_LOOK_S, Wake

    async def scenario() -> float:
        wake, loop = Wake(), asyncio.get_running_loop()
        waiting = asyncio.create_task(wake.wait())
        while wake.event is None:  # the waiter is set up
            await asyncio.sleep(0)
        started = loop.time()
        wake.ring()
        await waiting
        return loop.time() - started

    assert asyncio.run(scenario()) < IDLE_LOOK_S / 2
