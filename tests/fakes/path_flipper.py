"""An attacker's helper: swaps two names atomically, as fast as it can, until stopped.

`renameat2(RENAME_EXCHANGE)` makes a path flip between a real folder and a symlink to a
place outside the workspace with no moment where neither exists: the race host code must win
by opening by descriptor, never by re-resolving a name it checked.
"""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_libc = ctypes.CDLL(None, use_errno=True)


class PathFlipper:
    """Swap `a` and `b` in a background thread; `flips` counts the swaps done."""

    def __init__(self, a: Path, b: Path) -> None:
        self.a, self.b = os.fsencode(a), os.fsencode(b)
        self.flips = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            if _libc.renameat2(_AT_FDCWD, self.a, _AT_FDCWD, self.b, _RENAME_EXCHANGE) == 0:
                self.flips += 1

    def __enter__(self) -> PathFlipper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def at_least(self, count: int) -> bool:
        return self.flips >= count


def planted_flip(workspace: Path, outside: Path, name: str = "sub") -> tuple[Path, Path]:
    """`workspace/name` a real folder and `workspace/.swap` a symlink to `outside`: the pair
    a PathFlipper swaps."""
    real = workspace / name
    real.mkdir()
    link = workspace / ".swap"
    link.symlink_to(outside, target_is_directory=True)
    return real, link
