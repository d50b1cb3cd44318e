"""What a workspace holds, as undo needs it: one entry per path, compared by stat, then hash.

A `Tree` walks the workspace without following a symlink, skips the folders undo never
touches (`.git`, virtual environments, caches, the thread store itself), and marks as "not
kept" what is too big or lives in a folder the user or `.gitignore` names as data/outputs:
such a file's changes are listed, its content is never read. Paths are relative to the
workspace, with the bytes of a non-UTF-8 name kept (surrogate escapes).
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tools.local.file_edits import WRITE_TEMP
from tools.secret_paths import has_secret_name

Kind = Literal["f", "l", "d"]  # file, symlink, directory
TEMP_MARK = ".ml-intern-undo"  # restore's temporary names end with this; never recorded
HASH_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Entry:
    """One path's state: what it is, its stat fingerprint, and its content's hash if kept."""

    kind: Kind
    mode: int
    size: int = 0
    mtime_ns: int = 0
    ino: int = 0
    digest: str | None = None  # sha256 of a kept file's content
    link: str | None = None  # a symlink's target, as written
    kept: bool = True  # False: changes are listed, the content is not stored

    def same_stat(self, other: Entry) -> bool:
        """Unchanged by the stat fingerprint (git's rule: size, mtime and inode)."""
        return (self.kind, self.mode, self.size, self.mtime_ns, self.ino, self.link) == (
            other.kind,
            other.mode,
            other.size,
            other.mtime_ns,
            other.ino,
            other.link,
        )

    def same_content(self, other: Entry | None) -> bool:
        """The same thing on disk, whatever its stat says (for files: the same bytes)."""
        if other is None or other.kind != self.kind:
            return False
        if self.kind == "l":
            return self.link == other.link
        if self.kind == "d":
            return True
        if self.digest is None or other.digest is None:
            return self.same_stat(other)
        return self.digest == other.digest and stat.S_IMODE(self.mode) == stat.S_IMODE(other.mode)

    def to_json(self) -> list[object]:
        return [
            self.kind,
            self.mode,
            self.size,
            self.mtime_ns,
            self.ino,
            self.digest,
            self.link,
            self.kept,
        ]

    @classmethod
    def from_json(cls, row: list[object] | None) -> Entry | None:
        return None if row is None else cls(*row)  # type: ignore[arg-type]


Manifest = dict[str, Entry]


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
        ignored = _git_ignored_folders(root) if (root / ".git").exists() else ()
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
        self, stack: list[str], known: Manifest, found: Manifest, *, recurse: bool
    ) -> list[str]:
        """List the folders in `stack` (and, with `recurse`, every folder below) into `found`;
        returns the subfolders met."""
        root = str(self.root)
        skip, skip_paths, temp = self.rules.skip, self._skip_paths, (TEMP_MARK, WRITE_TEMP)
        folders: list[str] = []
        while stack:
            rel_dir = stack.pop()
            try:
                with os.scandir(root + "/" + rel_dir if rel_dir else root) as listing:
                    entries = list(listing)
            except OSError:
                continue  # gone, or not ours to read: nothing to record
            prefix = rel_dir + "/" if rel_dir else ""
            for item in entries:
                name = item.name
                if name.endswith(temp):
                    continue
                rel = prefix + name
                try:
                    info = item.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    if name in skip or item.path in skip_paths:
                        continue
                    folders.append(rel)
                    if recurse:
                        stack.append(rel)
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
                entry = self._entry(item.path, rel, info, known)
                if entry is not None:
                    found[rel] = entry
            if len(found) > self.rules.max_files:
                raise TooManyFiles(f"more than {self.rules.max_files:,} files")
        return folders

    def entry(self, rel: str, known: Manifest | None = None) -> Entry | None:
        """One path's entry now (None when absent)."""
        path = os.path.join(str(self.root), rel)
        try:
            info = os.lstat(path)
        except OSError:
            return None
        return self._entry(path, rel, info, known or {})

    def _entry(self, path: str, rel: str, info: os.stat_result, known: Manifest) -> Entry | None:
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            return Entry("d", mode, 0, 0, info.st_ino)
        if stat.S_ISLNK(mode):
            return Entry("l", mode, 0, 0, info.st_ino, link=os.readlink(path))
        if not stat.S_ISREG(mode):
            return None  # sockets, fifos, devices: nothing undo can hold
        kept = info.st_size <= self.rules.max_file_bytes and self.kept_here(rel)
        fresh = Entry("f", mode, info.st_size, info.st_mtime_ns, info.st_ino, kept=kept)
        before = known.get(rel)
        if not kept:
            return fresh
        if before is not None and before.digest and before.same_stat(fresh):
            return before
        digest = file_digest(path)
        return None if digest is None else _with_digest(fresh, digest)


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


def _with_digest(entry: Entry, digest: str) -> Entry:
    return Entry(
        entry.kind, entry.mode, entry.size, entry.mtime_ns, entry.ino, digest, None, entry.kept
    )


def file_digest(path: bytes | str) -> str | None:
    """sha256 of a file's content, None if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def changed(before: Manifest, after: Manifest) -> list[tuple[str, Entry | None, Entry | None]]:
    """Paths whose entry differs between two scans: (path, before, after), in path order."""
    paths = {
        p for p, e in after.items() if before.get(p) is not e and not same_entry(before.get(p), e)
    }
    paths.update(p for p in before if p not in after)
    return [(p, before.get(p), after.get(p)) for p in sorted(paths)]


def same_entry(a: Entry | None, b: Entry | None) -> bool:
    """No change between two entries of one path (a folder's own mtime is no change)."""
    if a is None or b is None:
        return a is b
    if a.kind == "d" and b.kind == "d":
        return True  # a folder's own mtime is not a change anyone undoes
    return a.same_stat(b) and a.digest == b.digest


def _git_ignored_folders(root: Path) -> Iterable[str]:
    """The folders (and files) `.gitignore` marks in a git workspace: data/outputs undo lists but
    does not store. Asked of git itself, once per session; none if git is not there."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z"],
            cwd=root,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    if done.returncode != 0:
        return ()
    return [os.fsdecode(p) for p in done.stdout.split(b"\0") if p]
