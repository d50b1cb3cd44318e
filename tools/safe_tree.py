"""Walking and copying a folder the agent can write, by descriptor: the scans of `glob`,
`grep`, the workspace listing and the notes that look for files, and the copy `threads fork
--workspace` makes.

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

from tools.safe_paths import RegularFile, check_regular, folder_at, open_at


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


MAX_WALK_DEPTH = 100  # folders a walk goes down at most: a level holds a descriptor and a frame


@dataclass
class _Left:
    """What a walk may still yield (None: no limit), shared by its levels."""

    entries: int | None


def walk_at(
    anchor: Path | str,
    rel: str | os.PathLike[str],
    *,
    enter: Callable[[str], bool] = lambda _rel: True,
    max_depth: int | None = None,
    max_entries: int | None = None,
) -> Iterator[Entry]:
    """Everything beneath the folder `rel` of `anchor`, sorted by name at each level, each
    folder opened by descriptor from its parent: a symlink is reported, never entered; a
    folder swapped for a link mid-walk is skipped. `enter(rel)` says whether to go into a
    folder; `max_depth` folders deep at most (0: only the folder's own entries), never more
    than `MAX_WALK_DEPTH` (a nest thousands deep the agent planted would otherwise hold a
    descriptor and a Python frame a level); `max_entries` entries at most, each folder's
    listing reading no more names than are left, so a planted tree of any size costs that
    much and no more."""
    depth = MAX_WALK_DEPTH if max_depth is None else min(max_depth, MAX_WALK_DEPTH)
    with folder_at(anchor, rel) as fd:
        yield from _walk_fd(fd, "", enter, depth, _Left(max_entries))


def entries_at(fd: int, prefix: str = "", limit: int | None = None) -> list[Entry]:
    """The entries of the folder open at `fd`, sorted by name, each with its own `lstat` and
    `prefix` before its name; one gone since the listing is left out, and a folder that
    cannot be listed has none. With `limit`, only the first `limit` names the listing gives
    (in the folder's own order) are read and sorted: a folder of any size costs that many."""
    names: list[str] = []
    try:
        with os.scandir(fd) as listing:
            for entry in listing:
                if limit is not None and len(names) >= limit:
                    break
                names.append(entry.name)
    except OSError:
        return []
    found: list[Entry] = []
    for name in sorted(names):
        try:
            found.append(Entry(prefix + name, os.stat(name, dir_fd=fd, follow_symlinks=False)))
        except OSError:
            continue  # gone since the listing
    return found


def _walk_fd(
    fd: int, prefix: str, enter: Callable[[str], bool], depth: int, left: _Left
) -> Iterator[Entry]:
    """A folder's entries first (as `os.walk` lists them), then each subfolder's, in order."""
    folders: list[Entry] = []
    for entry in entries_at(fd, prefix, left.entries):
        if left.entries is not None:
            left.entries -= 1
        yield entry
        if entry.is_dir and depth != 0 and enter(entry.rel):
            folders.append(entry)
    for folder in folders:
        if left.entries == 0:
            return
        try:
            child = open_at(fd, folder.rel.rsplit("/", 1)[-1], os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue  # swapped for a link (or removed) since the stat: not entered
        try:
            yield from _walk_fd(child, folder.rel + "/", enter, depth - 1, left)
        finally:
            os.close(child)


def copy_tree(
    source: Path | str,
    target: Path | str,
    *,
    leave_out: Callable[[os.stat_result], bool] = lambda _st: False,
) -> list[str]:
    """Copy everything beneath the trusted folder `source` into the new or empty folder
    `target`, by descriptor: each folder is opened from its parent without following links
    and each file read through the descriptor checked to be a regular file, so a folder the
    agent flips with a symlink to a host folder is copied as the folder or not at all, never
    through the link. Symlinks are copied as symlinks; FIFOs, sockets and devices, and folders
    `leave_out(fstat)` names, are left out. Returns what changed under the copy (gone, or
    swapped for another kind) and so was not copied, with why."""
    skipped: list[str] = []
    os.makedirs(target, exist_ok=True)
    with folder_at(source, "") as src, folder_at(target, "") as dst:
        _copy_folder(src, dst, "", leave_out, skipped)
    return skipped


def _copy_folder(
    src: int, dst: int, prefix: str, leave_out: Callable[[os.stat_result], bool], skipped: list[str]
) -> None:
    for name in sorted(os.listdir(src)):
        rel = prefix + name
        try:
            st = os.stat(name, dir_fd=src, follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                _copy_subfolder(src, dst, name, rel, leave_out, skipped)
            elif stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(name, dir_fd=src), name, dir_fd=dst)
            elif stat.S_ISREG(st.st_mode):
                _copy_file(src, dst, name)
        except OSError as error:  # gone, or swapped for another kind since the listing
            skipped.append(f"{rel}: {error.strerror or error}")


def _copy_subfolder(
    src: int,
    dst: int,
    name: str,
    rel: str,
    leave_out: Callable[[os.stat_result], bool],
    skipped: list[str],
) -> None:
    child = open_at(src, name, os.O_RDONLY | os.O_DIRECTORY)
    try:
        st = os.fstat(child)
        if leave_out(st):
            return
        os.mkdir(name, 0o700, dir_fd=dst)
        made = open_at(dst, name, os.O_RDONLY | os.O_DIRECTORY)
        try:
            _copy_folder(child, made, rel + "/", leave_out, skipped)
            os.chmod(made, stat.S_IMODE(st.st_mode) & 0o777)
            os.utime(made, ns=(st.st_atime_ns, st.st_mtime_ns))
        finally:
            os.close(made)
    finally:
        os.close(child)


def _copy_file(src: int, dst: int, name: str) -> None:
    source = open_at(src, name, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(source)
        check_regular(st, name, None)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        target = os.open(name, flags, 0o600, dir_fd=dst)
        try:
            for chunk in RegularFile(source, st).chunks():
                os.write(target, chunk)
            os.fchmod(target, stat.S_IMODE(st.st_mode) & 0o777)
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
        finally:
            os.close(target)
    finally:
        os.close(source)
