"""One walk of the writable roots, with no depth limit: every `.git`, every other git directory
(a bare layout) and every file named like a credential store.

The sandbox builds its mount table from it before a command (guard every repository, hide
every `.env`) and the git guard compares it with the walk after the command. To keep that
cheap on large workspaces, a folder's findings are remembered with its (device, inode,
mtime): a folder whose entries did not change is not listed again, only `lstat`ed. A folder
changed in the last RACY_NS is always listed (its mtime may not have moved yet: the clock
the file system uses ticks coarsely). Symbolic links are never followed: each folder is
opened by descriptor beneath its root (tools/safe_paths.py) and listed through that
descriptor, so a folder swapped for a symlink after it was listed is not entered.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field

from tools.places import is_secret_name
from tools.safe_paths import UnsafePath, anchor_fd, open_at

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
        with contextlib.ExitStack() as held:
            anchors: dict[str, int] = {}
            for root in dict.fromkeys(roots):
                with contextlib.suppress(OSError):  # a root that is gone has nothing to find
                    anchors[root] = held.enter_context(anchor_fd(root))
            stack = [(root, "") for root in anchors]
            while stack:
                root, rel = stack.pop()
                path = os.path.join(root, rel) if rel else root
                folder = self._folder(anchors[root], rel, path, now, found)
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
                stack.extend((root, os.path.join(rel, name)) for name in subdirs)
        self._known = seen
        return found

    def _folder(self, base: int, rel: str, path: str, now: int, found: Findings) -> _Folder | None:
        known = self._known.get(path)
        if known is not None and self._unchanged(known, path, now):
            return known  # the very folder listed before (nothing is read through a name)
        try:
            fd = open_at(base, rel, os.O_RDONLY | os.O_DIRECTORY)
        except (FileNotFoundError, UnsafePath):
            return None  # gone meanwhile, or no longer a folder (a symlink swapped in)
        except OSError:
            found.unreadable.append(path)
            return None
        try:
            info = os.fstat(fd)
            return _list(fd, path, (info.st_dev, info.st_ino, info.st_mtime_ns))
        except OSError:
            found.unreadable.append(path)
            return None
        finally:
            os.close(fd)

    @staticmethod
    def _unchanged(known: _Folder, path: str, now: int) -> bool:
        """`path` is still the folder `known` was listed from, its entries untouched since."""
        try:
            info = os.lstat(path)
        except OSError:
            return False
        ident = (info.st_dev, info.st_ino, info.st_mtime_ns)
        return known.ident == ident and now - info.st_mtime_ns > RACY_NS


def _list(fd: int, path: str, ident: tuple[int, int, int]) -> _Folder:
    """The folder open at `fd` (found at `path`), listed through its descriptor."""
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
