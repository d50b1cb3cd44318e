"""The server loop's worker threads: as many waiting calls as its runs make go at once."""

from __future__ import annotations

import asyncio
import os
import threading

from serve.worker_threads import MAX_THREADS, install, threads_for


async def waiting_calls(count: int, timeout_s: float) -> int:
    """`count` calls to worker threads that each wait for all the others (as a tool step
    waits on a lock or a file system call): how many met."""
    meeting = threading.Barrier(count, timeout=timeout_s)

    def wait() -> bool:
        try:
            meeting.wait()
        except threading.BrokenBarrierError:
            return False
        return True

    return sum(await asyncio.gather(*(asyncio.to_thread(wait) for _ in range(count))))


def test_thirty_two_runs_waiting_calls_all_go_at_once() -> None:
    calls = 2 * 32  # 32 runs, each with a tool's call and a stream event's encoding waiting

    async def served() -> int:
        assert install(32) >= calls
        return await waiting_calls(calls, timeout_s=60)

    assert asyncio.run(served()) == calls


def test_asyncio_default_pool_would_hold_them_back() -> None:
    """The mechanism the sizing fixes: the default pool runs only cores + 4 at once."""
    default = min(32, (os.cpu_count() or 1) + 4)

    async def unsized() -> int:
        return await waiting_calls(default + 1, timeout_s=0.5)

    assert asyncio.run(unsized()) == 0  # one call never started: the meeting broke


def test_sizes() -> None:
    default = min(32, (os.cpu_count() or 1) + 4)
    assert threads_for(1) == max(default, 6)
    assert threads_for(32) == max(default, 68)
    assert threads_for(100_000) == MAX_THREADS
