"""Stat marks of the files and folders a look at the disk read: what it found stands while
every mark does.

A mark is a path's inode, size, mtime and ctime (links followed), or None where nothing is.
A folder's moves when an entry is added, removed or renamed in it; a file's when it is written,
replaced or its mode changed; a path's None when something appears there. The ctime cannot be
set back (`touch -d` sets only the mtime). A change in the same clock tick as the look could
keep the times (tools/settled_times.py), so marks taken within that slack of a change are not
trusted: `unchanged` is False and the caller looks again.

    marks = Marks()
    marks.add("/work/.env")  # before reading it: a change while it is read moves the mark
    ...
    marks.unchanged()  # one `stat` a path

`MarkedLooks` keeps such looks by key (a workspace), the least recently used dropped first
once the marks they hold pass a budget.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable

from cachetools import LRUCache

from tools.settled_times import settled

Mark = tuple[int, int, int, int] | None


def mark_of(info: os.stat_result) -> Mark:
    return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def mark(path: str) -> Mark:
    """`path`'s mark now (None: nothing there, or it cannot be looked at)."""
    try:
        return mark_of(os.stat(path))
    except (OSError, ValueError):
        return None


class Marks:
    """The marks of the paths a look read, each taken before it was read."""

    def __init__(self) -> None:
        self._marks: dict[str, Mark] = {}
        self.settled = True

    def add(self, path: str, info: os.stat_result | None = None) -> None:
        """Mark `path`, from `info` when the caller has just taken it (`os.stat` or `fstat`
        of what it opened), else from a `stat` now."""
        found = mark(path) if info is None else mark_of(info)
        self._marks.setdefault(path, found)
        if found is not None and not settled(max(found[2], found[3]), time.time_ns()):
            self.settled = False

    def unchanged(self) -> bool:
        """True when every mark settled and every path's mark is still the same."""
        return self.settled and all(mark(path) == found for path, found in self._marks.items())

    def __len__(self) -> int:
        return len(self._marks)


MAX_MARKS_KEPT = 50_000  # at most ~18 MB a store (~350 bytes a mark): hundreds of workspaces


class MarkedLooks[Look]:
    """Looks by key, each with the `Marks` it stands on, thread-safe. The least recently used
    look is dropped first once the marks kept pass `max_marks`; a look holding more than
    that is not kept. Why: a server runs many threads at once, each in its own workspace, and
    a look dropped before its workspace's next call makes every call look again (128 runs at
    once against 64 places kept first-in-first-out did)."""

    def __init__(self, marks_of: Callable[[Look], Marks], max_marks: int = MAX_MARKS_KEPT) -> None:
        self._kept: LRUCache[Hashable, Look] = LRUCache(
            max_marks, getsizeof=lambda look: 1 + len(marks_of(look))
        )
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Look | None:
        with self._lock:  # a hit reorders the cache
            return self._kept.get(key)

    def put(self, key: Hashable, look: Look) -> None:
        with self._lock:
            try:
                self._kept[key] = look
            except ValueError:  # larger than the whole budget: looked at again next time
                self._kept.pop(key, None)

    def __len__(self) -> int:
        return len(self._kept)
