"""The server loop's worker threads, sized for the runs it serves rather than its cores.

Every run crosses to a worker thread many times a step: its tool call's undo journal,
command line, secret refresh and notes (`asyncio.to_thread`), and the LangGraph server's
encoding of each stream event (its `run_in_executor(None, ...)`), all on the loop's default
pool. asyncio sizes that pool min(32, cores + 4): 6 threads on 2 cores. Most of that work
waits (a file system call, SQLite, the journal's lock) rather than computes, so with 32 runs
at once the 6 fill with waiters and every run's next event queues behind them.

`install(runs)` gives the running loop a pool of `threads_for(runs)` (threads are started
only when work finds none idle, so an idle server starts none).
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

PER_RUN = 2  # a run's step crosses at most about two at a time (its tool's, its events')
MAX_THREADS = 256  # a server of thousands of runs at once still starts a bounded number


def threads_for(runs: int) -> int:
    """Worker threads for `runs` runs at once: never fewer than asyncio's default."""
    default = min(32, (os.cpu_count() or 1) + 4)
    return max(default, min(MAX_THREADS, PER_RUN * runs + 4))


def install(runs: int) -> int:
    """The running loop's default pool becomes one of `threads_for(runs)`; that number."""
    size = threads_for(runs)
    pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="ml-intern-worker")
    asyncio.get_running_loop().set_default_executor(pool)
    return size
