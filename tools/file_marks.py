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
"""

from __future__ import annotations

import os
import time

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
