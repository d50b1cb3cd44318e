"""The server's queue: its cap, order, reasons, and a cancelled wait giving its place back."""

from __future__ import annotations

import asyncio
import contextlib

from serve.run_admission import Admission


async def started(gate: Admission, thread: str, person: str | None, log: list[str]) -> None:
    async with gate.slot(thread, person):
        log.append(thread)
        await asyncio.Event().wait()  # runs until cancelled


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_waiting_run_says_why_to_its_own_person_only() -> None:
    async def scenario() -> None:
        gate, log = Admission(at_once=1), []
        tasks = [asyncio.create_task(started(gate, t, "alice", log)) for t in ("a1", "a2")]
        await settle()
        assert log == ["a1"]
        assert "running all 1 runs" in (gate.why_waiting("a2", "alice") or "")
        assert gate.why_waiting("a2", "bob") is None  # not Bob's to know
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert gate.running == [] and gate.waiting == []

    asyncio.run(scenario())


def test_the_server_cap_keeps_order_and_a_cancelled_wait_leaves_the_queue() -> None:
    async def scenario() -> None:
        gate, log = Admission(at_once=1), []
        first = asyncio.create_task(started(gate, "t1", None, log))
        second = asyncio.create_task(started(gate, "t2", None, log))
        third = asyncio.create_task(started(gate, "t3", None, log))
        await settle()
        assert log == ["t1"]
        assert "running all 1 runs" in (gate.why_waiting("t2", None) or "")
        assert "1 waiting run(s) are ahead" in (gate.why_waiting("t3", None) or "")
        second.cancel()  # stopped while it waited: it never runs and holds no place
        await settle()
        assert gate.why_waiting("t2", None) is None
        first.cancel()
        await settle()
        assert log == ["t1", "t3"]
        third.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await third
        assert gate.running == [] and gate.waiting == []

    asyncio.run(scenario())
