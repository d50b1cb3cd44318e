"""Nothing of a walled kernel runs between calls: its processes are stopped after each call
and continued only once the next call found its walls still whole.

The sandbox's walls are built when the kernel starts. A credential file that appears later
(`.env.local` from a `git pull`) is not behind them, and the pool replaces such a kernel
before its next call (pool.py), but a thread the model left running could copy or hard-link
the file under another name in between, and the next kernel and bash would read the copy.
Freezing closes that window: every process of the kernel (the sandbox's init and all it
started: an orphan is reparented inside the sandbox's PID namespace, never out of it) gets
SIGSTOP, which it cannot catch or ignore, until every one of them is seen stopped; a
process forking meanwhile is caught on the next pass (a stopped one forks no more).

The cgroup freezer would do the same in one write, but needs a delegated cgroup, which a
user's session rarely has; signals work wherever the kernel runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

STOPPED = frozenset("TtZX")  # stopped, traced, or ended
FREEZE_S = 5.0  # a kernel not wholly stopped by then is ended instead


def members(root: int) -> set[int]:
    """`root` and every process it started, at any depth (from /proc's children lists)."""
    found: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with (
                    contextlib.suppress(OSError, ValueError),
                    open(f"/proc/{pid}/task/{task}/children") as children,
                ):
                    todo += [int(child) for child in children.read().split()]
    return found


def state(pid: int) -> str:
    """The process's state letter (R, S, D, T...), "X" when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "X"


def freeze(root: int, within: float = FREEZE_S) -> bool:
    """Stop `root` and every process it started; True once all are seen stopped, False when
    some were still running after `within` seconds (end them: they may have escaped)."""
    deadline = time.monotonic() + within
    while True:
        running = [pid for pid in members(root) if state(pid) not in STOPPED]
        if not running:
            return True
        if time.monotonic() > deadline:
            return False
        for pid in running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGSTOP)
        time.sleep(0.001)  # the signal is taken on the process's next return to user mode


def thaw(root: int) -> None:
    """Let `root` and every process it started run again."""
    for pid in members(root):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGCONT)
