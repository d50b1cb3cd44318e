"""The sandbox's guard on git: what a command could plant that the user's own git would run.

A hook, `core.fsmonitor` or `commondir` written into a repository's `.git` runs (or points git at
something that runs) unsandboxed at the user's next git command there. Under the writable roots:

- a `.git` directory that is a repository (it has a `HEAD`) becomes a mount point, so it cannot
  be renamed or replaced, and its `config`, `hooks`, `modules`, `worktrees` and `commondir` are
  read-only (an empty `hooks` directory and `config` are made, on the host too, when missing);
- a `.git` directory that is not one is read-only as a whole, so it cannot be made one;
- a `.git` file (a worktree or submodule checkout) is read-only, so it cannot be repointed, and
  the git directory it names (and that one's `commondir`) is guarded as above when writable;
- a workspace without `.git` gets an empty read-only one (left on the host, where git ignores
  it and looks further up), so `git init` fails at its top.

A `commondir` planted where there was none cannot be stopped inside (bubblewrap can only stop a
file being created by leaving one there, and any `commondir`, even empty, breaks git), so
CommondirWatch looks when the command has ended and removes one, telling the model.

Repositories are found by a bounded walk (MAX_DIRS directories, MAX_DEPTH levels, MAX_SECONDS,
not into SKIP_DIRS or hidden places). Not guarded: repositories a command creates below the top
and ones the walk does not reach.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections import deque
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

# Mount order at one depth: writable binds, then read-only protections, then hiding.
BIND, PROTECT, HIDE, SHOW = range(4)
Mount = tuple[int, int, list[str]]  # (path depth, kind, bubblewrap arguments)
READ_ONLY_IN_GIT = ("config", "hooks", "modules", "worktrees", "commondir")
SKIP_DIRS = frozenset(
    {
        *("node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox", "site-packages"),
        *(".mypy_cache", ".ruff_cache", ".pytest_cache", ".cache", "wandb", ".ipynb_checkpoints"),
    }
)
MAX_DIRS = 2000
MAX_DEPTH = 6
MAX_SECONDS = 0.5
MAX_HELD = 256  # git directories watched through an open descriptor; the rest by path


def depth(place: str) -> int:
    return len(Path(place).parts)


def under(place: str, parent: str) -> bool:
    return Path(place).is_relative_to(parent)


def git_mounts(
    workspace: str | None, roots: list[str], hidden: list[str], repos: list[str] | None = None
) -> Iterator[Mount]:
    """The mounts guarding every `.git` the walk finds under `roots` (resolved paths), and
    the stand-in `.git` of a `workspace` that has none; the writable repositories' git
    directories are added to `repos`."""
    guard = _Guard(roots, hidden, [] if repos is None else repos)
    for root in roots:
        for git in _git_entries(root, set(hidden)):
            yield from guard.entry(git)
    if workspace is not None and workspace in roots:
        git = os.path.join(workspace, ".git")
        if not os.path.lexists(git):
            yield depth(git), PROTECT, ["--tmpfs", git, "--remount-ro", git]


def _git_entries(root: str, hidden: set[str]) -> Iterator[str]:
    """Paths named `.git` in `root` and the directories below it, breadth first, within the
    walk's bounds; symbolic links to directories are not followed."""
    deadline = time.monotonic() + MAX_SECONDS
    folders = deque([(root, 0)])
    visited = 0
    while folders and visited < MAX_DIRS and time.monotonic() < deadline:
        folder, level = folders.popleft()
        visited += 1
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name == ".git":
                        yield entry.path
                    elif level < MAX_DEPTH and _walkable(entry, hidden):
                        folders.append((entry.path, level + 1))
        except OSError:
            continue


def _walkable(entry: os.DirEntry[str], hidden: set[str]) -> bool:
    try:
        is_dir = entry.is_dir(follow_symlinks=False)
    except OSError:
        return False
    return is_dir and entry.name not in SKIP_DIRS and entry.path not in hidden


class _Guard:
    """Mounts for `.git` entries, each place once; only places under a writable root and not
    under a hidden one (those are read-only or empty inside already)."""

    def __init__(self, roots: list[str], hidden: list[str], repos: list[str]) -> None:
        self.roots = roots
        self.hidden = hidden
        self.repos = repos
        self.done: set[str] = set()

    def _writable(self, place: str) -> bool:
        if place in self.done:
            return False
        self.done.add(place)
        inside = any(under(place, root) for root in self.roots)
        return inside and not any(under(place, secret) for secret in self.hidden)

    def entry(self, git: str) -> Iterator[Mount]:
        """A `.git` found by the walk: a directory, a file naming one, or a link to one (the
        link itself cannot be pinned: a mount lands on its target)."""
        if os.path.islink(git):
            target = _resolved(git)
            if target is not None and os.path.isdir(target):
                yield from self.git_dir(target)
        elif os.path.isfile(git):
            if self._writable(git):
                yield depth(git), PROTECT, ["--ro-bind", git, git]
            named = _pointed_to(git, prefix="gitdir:")
            if named is not None:
                yield from self.git_dir(named)
        elif os.path.isdir(git):
            yield from self.git_dir(git)

    def git_dir(self, git: str) -> Iterator[Mount]:
        if not os.path.isdir(git) or not self._writable(git):
            return
        if not os.path.isfile(os.path.join(git, "HEAD")):  # not a repository: keep it so
            yield depth(git), PROTECT, ["--ro-bind", git, git]
            return
        self.repos.append(git)
        yield depth(git), BIND, ["--bind", git, git]  # a mount point: cannot be moved away
        for name in READ_ONLY_IN_GIT:
            inner = os.path.join(git, name)
            if os.path.lexists(inner):
                yield depth(inner), PROTECT, ["--ro-bind", inner, inner]
            elif name == "hooks":  # made here (empty, on the host too) so none can be added
                yield depth(inner), PROTECT, ["--tmpfs", inner, "--remount-ro", inner]
            elif name == "config":  # an empty config (left on the host) is a valid one
                yield depth(inner), PROTECT, ["--ro-bind", "/dev/null", inner]
        common = _pointed_to(os.path.join(git, "commondir"), prefix="")
        if common is not None:
            yield from self.git_dir(common)


def _resolved(path: str) -> str | None:
    try:
        return str(Path(path).resolve(strict=True))
    except (OSError, RuntimeError):
        return None


def _pointed_to(path: str, prefix: str) -> str | None:
    """The path a `.git` file (`gitdir: ...`) or a `commondir` file names, resolved against
    the file's directory, or None."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            text = file.read(4096).strip()
    except OSError:
        return None
    if not text.startswith(prefix) or not text[len(prefix) :].strip():
        return None
    return _resolved(os.path.join(os.path.dirname(path), text[len(prefix) :].strip()))


class CommondirWatch:
    """The guarded git directories without a `commondir` before a sandboxed command, checked
    for one when it has ended (a `commondir` there would let the user's next git command take
    its config, `core.fsmonitor` included, from anywhere). Each is held open, so a directory
    moved meanwhile (with a parent) is still the one checked."""

    def __init__(self, git_dirs: list[str]) -> None:
        self._watched: list[tuple[str, int | None, tuple[int, int]]] = []
        for git in git_dirs:
            try:
                fd = os.open(git, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            except OSError:
                continue
            info = os.fstat(fd)
            if _lexists_in(fd, "commondir"):  # read-only inside: cannot be changed
                os.close(fd)
                continue
            if len(self._watched) >= MAX_HELD:
                os.close(fd)
                fd = None
            self._watched.append((git, fd, (info.st_dev, info.st_ino)))

    def finish(self) -> list[str]:
        """Remove every `commondir` made since; one note for the model per repository."""
        notes = []
        watched, self._watched = self._watched, []
        for git, held, ident in watched:
            fd = held if held is not None else _reopen(git, ident)
            try:
                notes += _removal_note(git, fd)
            finally:
                if fd is not None:
                    os.close(fd)
        return notes


def _lexists_in(fd: int, name: str) -> bool:
    try:
        os.lstat(name, dir_fd=fd)
    except FileNotFoundError:
        return False
    except OSError:
        pass
    return True


def _reopen(git: str, ident: tuple[int, int]) -> int | None:
    """`git` opened again, if it is still the same directory."""
    try:
        fd = os.open(git, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    info = os.fstat(fd)
    if (info.st_dev, info.st_ino) != ident:
        os.close(fd)
        return None
    return fd


def _removal_note(git: str, fd: int | None) -> list[str]:
    """The `commondir` in the git directory open as `fd` removed (a link as a link, never
    followed), with the note saying so; nothing when there is none."""
    if fd is not None:  # where it is now, should a parent have been moved
        with suppress(OSError):
            git = os.readlink(f"/proc/self/fd/{fd}")
    place = f"commondir that this command created in the git directory {git}"
    if os.path.basename(git) == ".git":
        place = f".git/commondir that this command created in {os.path.dirname(git)}"
    if fd is None:
        return [f"[ml-intern could not check {git} for a planted commondir: it was moved]"]
    try:
        info = os.lstat("commondir", dir_fd=fd)
    except FileNotFoundError:
        return []
    except OSError as error:
        return [f"[ml-intern could not check {git} for a planted commondir: {error.strerror}]"]
    try:
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree("commondir", dir_fd=fd)
        else:
            os.unlink("commondir", dir_fd=fd)
    except OSError as error:
        return [f"[ml-intern could not remove {place} ({error.strerror}); remove it first]"]
    why = "it would have let a later git command outside the sandbox run code"
    return [f"[ml-intern removed {place}: {why}]"]
