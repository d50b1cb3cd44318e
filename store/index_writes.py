"""The thread index rows this process wrote last: each thread's `updated_at` as written here.

Every write of a thread's index row sets its `updated_at` to the writer's clock, so a row
that still holds the time this process wrote was not written since by anyone else (a CLI,
another server). The team server's thread adoption (serve/aegra/thread_adoption.py) has
nothing to bring in from such a row. Kept for the `KEPT` threads written most recently; a
thread forgotten, or a process started since, is looked at as any other.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

KEPT = 10_000

_lock = threading.Lock()  # writes come from the event loop and from worker threads
_written: OrderedDict[str, float] = OrderedDict()


def note(thread_id: str, updated_at: float) -> None:
    """This process is writing `thread_id`'s row with `updated_at` (noted before the write
    lands: a write that fails leaves a time the row does not hold, so nothing is skipped)."""
    with _lock:
        _written[thread_id] = updated_at
        _written.move_to_end(thread_id)
        while len(_written) > KEPT:
            _written.popitem(last=False)


def wrote_last(thread_id: str, updated_at: float) -> bool:
    """True when the row's `updated_at` is the last one this process wrote for the thread."""
    with _lock:
        return _written.get(thread_id) == updated_at


def forget_all() -> None:
    """Nothing noted: after a change of threads' checkpoints that leaves their rows as they
    were (a run's checkpoints deleted), so each is looked at again."""
    with _lock:
        _written.clear()
