"""One walk of the writable roots, with no depth limit: every `.git`, every other git directory
(a bare layout) and every file named like a credential store.

The sandbox builds its mount table from it before a command (guard every repository, hide
every `.env`) and the git guard compares it with the walk after the command. To keep that
cheap on large workspaces, a folder's findings are remembered with its (device, inode,
mtime): a folder whose entries did not change is not listed again, only opened and `fstat`ed.
A folder changed in the last RACY_NS is always listed (its mtime may not have moved yet: the
clock the file system uses ticks coarsely).

Every folder is opened beneath its root's descriptor without following a link
(tools/safe_paths.py): a folder swapped for a symlink to a host folder while the walk runs is
named as unreadable, never listed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from tools.places import is_secret_name
from tools.safe_paths import anchor_fd, open_at

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
    """What one walk found (resolved, absolute paths) beneath `roots`, the roots walked."""

    roots: list[str] = field(default_factory=list)
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
        found = Findings(roots=list(dict.fromkeys(roots)))
        seen: dict[str, _Folder] = {}
        now = time.time_ns()
        for root in found.roots:
            try:
                with anchor_fd(root) as base:
                    self._walk(root, base, now, found, seen)
            except OSError:
                continue  # a root that is gone
        self._known = seen
        return found

    def _walk(
        self, root: str, base: int, now: int, found: Findings, seen: dict[str, _Folder]
    ) -> None:
        stack = [""]
        while stack:
            rel = stack.pop()
            path = os.path.join(root, rel) if rel else root
            folder = self._folder(base, rel, path, now, found)
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
            stack.extend(os.path.join(rel, name) for name in subdirs)

    def _folder(self, base: int, rel: str, path: str, now: int, found: Findings) -> _Folder | None:
        try:
            fd = open_at(base, rel, os.O_RDONLY | os.O_DIRECTORY | os.O_NONBLOCK)
        except FileNotFoundError:
            return None  # gone meanwhile
        except OSError:
            found.unreadable.append(path)  # unreadable, or swapped for a link
            return None
        try:
            info = os.fstat(fd)
            ident = (info.st_dev, info.st_ino, info.st_mtime_ns)
            known = self._known.get(path)
            if known is not None and known.ident == ident and now - info.st_mtime_ns > RACY_NS:
                return known
            return _list(fd, path, ident)
        except OSError:
            found.unreadable.append(path)
            return None
        finally:
            os.close(fd)


def _list(fd: int, path: str, ident: tuple[int, int, int]) -> _Folder:
    """The folder open as `fd` (at `path`), listed through that descriptor."""
    subdirs, gits, secrets, parts = [], [], [], set()
    with os.scandir(fd) as entries:
        for entry in entries:
            name = entry.name
            if name in GIT_DIR_PARTS:
                parts.add(name if name != "objects" or entry.is_dir(follow_symlinks=False) else "")
            if name == ".git":
                gits.append(os.path.join(path, name))
            elif entry.is_dir(follow_symlinks=False):
                subdirs.append(name)
            elif is_secret_name(name):
                secrets.append(os.path.join(path, name))
    layout = "HEAD" in parts and ("commondir" in parts or {"objects", "refs"} <= parts)
    return _Folder(ident, tuple(subdirs), tuple(gits), tuple(secrets), layout)
