"""Walking a folder the agent can write, by descriptor: the scans of `glob`, `grep`, the
workspace listing and the notes that look for files.

Each folder is opened from its parent's descriptor without following links
(tools/safe_paths.py), so a symlink is reported and never entered, and a folder swapped for a
link while the walk runs is skipped rather than followed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tools.safe_paths import folder_at, open_at


@dataclass(frozen=True)
class Entry:
    """One thing a walk found: its path relative to the walk's folder, and its own `lstat`."""

    rel: str
    st: os.stat_result

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.st.st_mode)

    @property
    def is_file(self) -> bool:
        return stat.S_ISREG(self.st.st_mode)


def walk_at(
    anchor: Path | str,
    rel: str | os.PathLike[str],
    *,
    enter: Callable[[str], bool] = lambda _rel: True,
    max_depth: int | None = None,
) -> Iterator[Entry]:
    """Everything beneath the folder `rel` of `anchor`, sorted by name at each level, each
    folder opened by descriptor from its parent: a symlink is reported, never entered; a
    folder swapped for a link mid-walk is skipped. `enter(rel)` says whether to go into a
    folder; `max_depth` folders deep at most (0: only the folder's own entries)."""
    with folder_at(anchor, rel) as fd:
        yield from _walk_fd(fd, "", enter, max_depth)


def _walk_fd(
    fd: int, prefix: str, enter: Callable[[str], bool], depth: int | None
) -> Iterator[Entry]:
    """A folder's entries first (as `os.walk` lists them), then each subfolder's, in order."""
    try:
        with os.scandir(fd) as listing:
            names = sorted(entry.name for entry in listing)
    except OSError:
        return
    folders: list[Entry] = []
    for name in names:
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError:
            continue  # gone since the listing
        entry = Entry(prefix + name, st)
        yield entry
        if entry.is_dir and depth != 0 and enter(entry.rel):
            folders.append(entry)
    for folder in folders:
        try:
            child = open_at(fd, folder.rel.rsplit("/", 1)[-1], os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue  # swapped for a link (or removed) since the stat: not entered
        try:
            deeper = None if depth is None else depth - 1
            yield from _walk_fd(child, folder.rel + "/", enter, deeper)
        finally:
            os.close(child)
