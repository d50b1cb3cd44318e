"""Whether this process runs one OS thread, as a zygote must before it forks.

Python's `threading` counts only its own threads; a library's native thread (pyarrow's jemalloc
`jemalloc_bg_thd`, a BLAS pool) shows only in /proc/self/task, and a fork beside it copies into
the child whatever lock that thread held at that instant.
"""

from __future__ import annotations

import os
from pathlib import Path

TASKS = Path("/proc/self/task")


def os_threads() -> list[str]:
    """This process's threads by name (Linux); this one alone where /proc cannot be read."""
    try:
        tasks = sorted(TASKS.iterdir())
    except OSError:
        return ["(unknown)"]
    names = []
    for task in tasks:
        try:
            names.append((task / "comm").read_text().strip())
        except OSError:  # ended since it was listed
            continue
    return names


def require_one_thread(where: str) -> None:
    """Raise, naming each thread, unless this process runs one OS thread now."""
    names = os_threads()
    if len(names) != 1:
        raise RuntimeError(
            f"{where}: {len(names)} threads running ({', '.join(names)}), pid {os.getpid()}"
        )
