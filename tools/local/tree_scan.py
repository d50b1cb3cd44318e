"""One walk of the writable roots, with no depth limit: every `.git`, every other git directory
(a bare layout) and every file named like a credential store.

The sandbox builds its mount table from it before a command (guard every repository, hide
every `.env`) and the git guard compares it with the walk after the command. To keep that
cheap on large workspaces, a folder's findings are remembered with its (device, inode,
mtime): a folder whose entries did not change is not listed again, only `lstat`ed. A folder
changed in the last RACY_NS is always listed (its mtime may not have moved yet: the clock
the file system uses ticks coarsely). Symbolic links are never followed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from tools.places import is_secret_name

RACY_NS = 2_000_000_000
GIT_DIR_PARTS = frozenset({"HEAD", "objects", "refs", "commondir"})


@dataclass(frozen=True)
class _Folder:
    ident: tuple[int, int, int]
    subdirs: tuple[str, ...]
    gits: tuple[str, ...]  # paths named .git
    secrets: tuple[str, ...]
    layout: bool  # the folder itself is a git directory


@dataclass
class Findings:
    """What one walk found (resolved, absolute paths)."""

    gits: list[str] = field(default_factory=list)
    layouts: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    folders: int = 0


class TreeScan:
    """Walks roots, remembering unchanged folders between walks (one per sandboxed bash)."""

    def __init__(self) -> None:
        self._known: dict[str, _Folder] = {}

    def scan(self, roots: list[str]) -> Findings:
        found = Findings()
        seen: dict[str, _Folder] = {}
        now = time.time_ns()
        stack = list(dict.fromkeys(roots))
        while stack:
            path = stack.pop()
            folder = self._folder(path, now, found)
            if folder is None:
                continue
            seen[path] = folder
            found.folders += 1
            found.gits.extend(folder.gits)
            found.secrets.extend(folder.secrets)
            subdirs = folder.subdirs
            if folder.layout:  # a git directory: its objects hold nothing git runs
                found.layouts.append(path)
                subdirs = tuple(name for name in subdirs if name != "objects")
            stack.extend(os.path.join(path, name) for name in subdirs)
        self._known = seen
        return found

    def _folder(self, path: str, now: int, found: Findings) -> _Folder | None:
        try:
            info = os.lstat(path)
        except OSError:
            return None  # gone meanwhile
        ident = (info.st_dev, info.st_ino, info.st_mtime_ns)
        known = self._known.get(path)
        if known is not None and known.ident == ident and now - info.st_mtime_ns > RACY_NS:
            return known
        try:
            return _list(path, ident)
        except OSError:
            found.unreadable.append(path)
            return None


def _list(path: str, ident: tuple[int, int, int]) -> _Folder:
    subdirs, gits, secrets, parts = [], [], [], set()
    with os.scandir(path) as entries:
        for entry in entries:
            name = entry.name
            if name in GIT_DIR_PARTS:
                parts.add(name if name != "objects" or entry.is_dir(follow_symlinks=False) else "")
            if name == ".git":
                gits.append(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                subdirs.append(name)
            elif is_secret_name(name):
                secrets.append(entry.path)
    layout = "HEAD" in parts and ("commondir" in parts or {"objects", "refs"} <= parts)
    return _Folder(ident, tuple(subdirs), tuple(gits), tuple(secrets), layout)
