"""What a workspace holds, as undo needs it: one entry per path, compared by stat, then hash.

A `Tree` walks the workspace without following a symlink, skips the folders undo never
touches (`.git`, virtual environments, caches, the thread store itself), and marks as "not
kept" what is too big or lives in a folder the user or `.gitignore` names as data/outputs:
such a file's changes are listed, its content is never read. Paths are relative to the
workspace, with the bytes of a non-UTF-8 name kept (surrogate escapes).

The agent can plant anything in the workspace, so the walk goes by descriptor (issue 51):
each folder is opened from its parent's descriptor without following a symlink, each file
is hashed through the descriptor its `fstat` checked (non-blocking: a FIFO never blocks), and
FIFOs, sockets and devices get a "not kept" entry without being opened at all. A path longer
than PATH_MAX is reached the same way, one folder at a time.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from store.workspace_entry import Entry, Manifest, with_digest
from tools.local.host_git import neutral_git_env
from tools.safe_paths import WRITE_TEMP, RegularFile, anchor_fd, lstat_at, open_at, parts_of
from tools.secret_paths import has_secret_name

TEMP_MARK = ".ml-intern-undo"  # restore's temporary names end with this; never recorded
HASH_CHUNK = 1 << 20
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY  # open_at adds O_NOFOLLOW and O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class TreeRules:
    """What undo walks and keeps; from `undo` in the settings."""

    skip: frozenset[str]  # folder names never walked (".git", ".venv", ...)
    not_kept: tuple[str, ...]  # workspace-relative folders whose files are listed, not stored
    max_file_bytes: int
    max_files: int = 200_000
    skip_paths: tuple[str, ...] = ()  # absolute paths inside the workspace never walked


class TooManyFiles(Exception):
    """The workspace holds more than `max_files` paths: programs' changes go unrecorded."""


class Tree:
    """The workspace at `root` under `rules`; the .gitignore'd folders are read once."""

    def __init__(self, root: Path, rules: TreeRules) -> None:
        self.root = root
        self.rules = rules
        ignored = _git_ignored_folders(root) if _has_git(root) else ()
        self._not_kept = tuple(p.strip("/") + "/" for p in (*rules.not_kept, *ignored) if p)
        self._skip_paths = set(rules.skip_paths)

    def kept_here(self, rel: str) -> bool:
        """Content may be stored: not in a data/outputs folder, not a credential file."""
        if has_secret_name(rel):
            return False  # a key's content never goes into the thread database
        return not any((rel + "/").startswith(prefix) for prefix in self._not_kept)

    def scan(self, known: Manifest) -> Manifest:
        """Every path under the root; a path whose stat matches `known` keeps its known entry
        (a hot loop: one lstat per path, nothing else when nothing changed); any other kept
        file is hashed."""
        found: Manifest = {}
        self._walk([""], known, found, recurse=True)
        return found

    def rescan(
        self, known: Manifest, dirty: set[str], born: set[str]
    ) -> tuple[Manifest, list[str]]:
        """`known` with only the folders in `dirty` listed again (folders made since, in `born`
        or not known, are walked whole); returns the result and the folders walked whole."""
        found = dict(known)
        children: dict[str, list[str]] = {}
        for rel in known:
            children.setdefault(rel.rpartition("/")[0], []).append(rel)
        walked: list[str] = []
        for folder in sorted(dirty):
            if folder and (found.get(folder) is None or found[folder].kind != "d"):
                continue  # gone with its parent, or not a folder any more
            for rel in children.get(folder, ()):
                _drop(found, children, rel)
            for sub in self._walk([folder], known, found, recurse=False):
                if sub in born or known.get(sub) is None or known[sub].kind != "d":
                    walked += self._walk([sub], known, found, recurse=True)
                    walked.append(sub)
                else:
                    _restore_subtree(found, known, children, sub)
        return found, walked

    def _walk(
        self, start: list[str], known: Manifest, found: Manifest, *, recurse: bool
    ) -> list[str]:
        """List the folders in `start` (and, with `recurse`, every folder below) into `found`;
        returns the subfolders met. Each folder is opened from its parent's descriptor (a
        folder swapped for a symlink is not entered); one descriptor is held per level."""
        folders: list[str] = []
        try:
            root_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            return folders  # the workspace is gone: nothing to record
        try:
            for rel_dir in start:
                try:
                    fd = open_at(root_fd, rel_dir, _OPEN_DIR)
                except OSError:
                    continue  # gone, or not ours to read: nothing to record
                frames: list[tuple[int, str, Iterator[str]]] = [(fd, rel_dir, iter(()))]
                try:
                    frames[0] = (fd, rel_dir, iter(self._list(fd, rel_dir, known, found, folders)))
                    while frames:
                        self._step(frames, known, found, folders, recurse)
                finally:
                    for parent, _, _ in frames:
                        os.close(parent)
        finally:
            os.close(root_fd)
        return folders

    def _step(
        self,
        frames: list[tuple[int, str, Iterator[str]]],
        known: Manifest,
        found: Manifest,
        folders: list[str],
        recurse: bool,
    ) -> None:
        """One move of the walk: into the next subfolder of the deepest open folder, or out
        of it when it has none left."""
        parent, rel, subs = frames[-1]
        name = next(subs, None) if recurse else None
        if name is None:
            frames.pop()
            os.close(parent)
            return
        try:
            child = os.open(name, _DIR, dir_fd=parent)
        except OSError:
            return  # swapped for a symlink, gone, or out of descriptors
        child_rel = f"{rel}/{name}" if rel else name
        frames.append((child, child_rel, iter(())))  # held before listing: closed if it raises
        frames[-1] = (child, child_rel, iter(self._list(child, child_rel, known, found, folders)))

    def _list(
        self, fd: int, rel_dir: str, known: Manifest, found: Manifest, folders: list[str]
    ) -> list[str]:
        """The folder open at `fd` into `found`; returns the names of its subfolders to walk."""
        skip, temp = self.rules.skip, (TEMP_MARK, WRITE_TEMP)
        try:
            with os.scandir(fd) as listing:
                entries = list(listing)
        except OSError:
            return []
        prefix = rel_dir + "/" if rel_dir else ""
        subs: list[str] = []
        for item in entries:
            name = item.name
            if name.endswith(temp):
                continue
            rel = prefix + name
            try:
                info = item.stat(follow_symlinks=False)  # fstatat on the folder's descriptor
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                if name in skip or f"{self.root}/{rel}" in self._skip_paths:
                    continue
                folders.append(rel)
                subs.append(name)
            before = known.get(rel)
            if (
                before is not None
                and before.mtime_ns == info.st_mtime_ns
                and before.size == info.st_size
                and before.ino == info.st_ino
                and before.mode == info.st_mode
                and before.kind == "f"
            ):
                found[rel] = before
                continue
            entry = self._entry(fd, name, rel, info, known)
            if entry is not None:
                found[rel] = entry
        if len(found) > self.rules.max_files:
            raise TooManyFiles(f"more than {self.rules.max_files:,} files")
        return subs

    def entry(self, rel: str, known: Manifest | None = None) -> Entry | None:
        """One path's entry now (None when absent, or not reachable without a symlink)."""
        try:
            parts = parts_of(rel)
            if not parts:
                return None
            with self._folder("/".join(parts[:-1])) as parent:
                info = os.stat(parts[-1], dir_fd=parent, follow_symlinks=False)
                return self._entry(parent, parts[-1], rel, info, known or {})
        except OSError:
            return None

    @contextmanager
    def _folder(self, rel_dir: str) -> Iterator[int]:
        """The folder `rel_dir` beneath the root, by descriptor (no symlink followed)."""
        with anchor_fd(self.root) as base:
            fd = open_at(base, rel_dir, _OPEN_DIR)
        try:
            yield fd
        finally:
            os.close(fd)

    def content(self, rel: str) -> tuple[bytes, os.stat_result] | None:
        """A kept file's bytes and the `fstat` of the descriptor they were read from; None
        when `rel` is not a regular file within the size limit now (never followed, never
        blocked on)."""
        try:
            parts = parts_of(rel)
            with (
                self._folder("/".join(parts[:-1])) as parent,
                _opened(parent, parts[-1]) as fd,
            ):
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode) or info.st_size > self.rules.max_file_bytes:
                    return None
                return RegularFile(fd, info).read(), info
        except (OSError, IndexError):
            return None

    def _entry(
        self, parent: int, name: str, rel: str, info: os.stat_result, known: Manifest
    ) -> Entry | None:
        """The entry of `name` in the folder `parent`, `info` its lstat; a file is hashed
        through its own descriptor, and the entry takes that descriptor's `fstat`."""
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            return Entry("d", mode, 0, 0, info.st_ino)
        if stat.S_ISLNK(mode):
            try:
                return Entry("l", mode, 0, 0, info.st_ino, link=os.readlink(name, dir_fd=parent))
            except OSError:
                return None  # no longer a symlink: the next look sees what it became
        if not stat.S_ISREG(mode):
            return _special(info)  # FIFOs, sockets, devices: listed, never opened
        kept = info.st_size <= self.rules.max_file_bytes and self.kept_here(rel)
        fresh = Entry("f", mode, info.st_size, info.st_mtime_ns, info.st_ino, kept=kept)
        before = known.get(rel)
        if not kept:
            return fresh
        if before is not None and before.digest and before.same_stat(fresh):
            return before
        try:
            with _opened(parent, name) as fd:
                now = os.fstat(fd)
                if not stat.S_ISREG(now.st_mode):
                    return _special(now)
                if now.st_size > self.rules.max_file_bytes:
                    return Entry(
                        "f", now.st_mode, now.st_size, now.st_mtime_ns, now.st_ino, kept=False
                    )
                digest = _digest(fd, now.st_size)
        except OSError:
            return None  # swapped for a symlink or gone: the next look sees what it became
        found = Entry("f", now.st_mode, now.st_size, now.st_mtime_ns, now.st_ino)
        return with_digest(found, digest)


@contextmanager
def _opened(parent: int, name: str) -> Iterator[int]:
    """`name` in the folder `parent`, opened for reading without following or blocking."""
    fd = os.open(name, _FILE, dir_fd=parent)
    try:
        yield fd
    finally:
        os.close(fd)


def _digest(fd: int, size: int) -> str:
    """sha256 of the first `size` bytes read from `fd` (what `fstat` saw: a file that grows
    meanwhile is cut there)."""
    digest = hashlib.sha256()
    while size > 0 and (chunk := os.read(fd, min(size, HASH_CHUNK))):
        digest.update(chunk)
        size -= len(chunk)
    return digest.hexdigest()


def _special(info: os.stat_result) -> Entry:
    """A FIFO, socket or device: listed and "not kept"; undo can remove it, not make it."""
    return Entry("s", info.st_mode, 0, info.st_mtime_ns, info.st_ino, kept=False)


def _drop(found: Manifest, children: dict[str, list[str]], rel: str) -> None:
    """Remove `rel` and, if it was a folder, everything known below it."""
    found.pop(rel, None)
    for child in children.get(rel, ()):
        _drop(found, children, child)


def _restore_subtree(
    found: Manifest, known: Manifest, children: dict[str, list[str]], rel: str
) -> None:
    """A folder still there and watched: what was known below it stands (its own events say
    if it changed)."""
    for child in children.get(rel, ()):
        if child in known and child not in found:
            found[child] = known[child]
        _restore_subtree(found, known, children, child)


def _has_git(root: Path) -> bool:
    """Something named `.git` is in the workspace (looked at, never followed)."""
    try:
        return lstat_at(root, ".git") is not None
    except OSError:
        return False


def _git_ignored_folders(root: Path) -> Iterable[str]:
    """The folders (and files) `.gitignore` marks in a git workspace: data/outputs undo lists but
    does not store. Asked of git itself, once per session, with every program a config could
    name turned off (tools/local/host_git.py); none if git is not there."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z"],
            cwd=root,
            env=neutral_git_env(os.environ),  # the agent may have planted the repository
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    if done.returncode != 0:
        return ()
    return [os.fsdecode(p) for p in done.stdout.split(b"\0") if p]
