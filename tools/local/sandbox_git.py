"""The sandbox's mounts guarding git: what a command could plant that the user's own git would run.

A hook, `core.fsmonitor` or `commondir` written into a repository's git directory runs (or
points git at something that runs) unsandboxed at the user's next git command there. For every
git directory the walk (tree_scan.py, no depth limit) finds under the writable roots:

- a `.git` directory or other git directory (a bare layout) becomes a mount point, so it cannot
  be renamed or replaced, and its `config`, `hooks`, `modules`, `worktrees` and `commondir` are
  read-only (an empty `hooks` directory and `config` are made, on the host too, when missing);
- a `.git` directory that is not a repository is read-only as a whole, so it cannot be made one;
- a `.git` file (a worktree or submodule checkout) is read-only, so it cannot be repointed, and
  the git directory it names (and that one's `commondir`) is guarded as above when writable;
- a workspace without `.git` gets an empty read-only one (left on the host, where git ignores
  it and looks further up), so `git init` fails at its top.

The files it reads to find git directories (`.git` files, `commondir`) are read beneath their
writable root by descriptor (tools/safe_paths.py): a FIFO, a link or a huge file there is not
followed, blocked on or read whole. bubblewrap still resolves the mounts' sources by name (a
swap at that moment can mount a host folder): their sources go by descriptor (sandbox_pins.py)
and the command runs only once the mounts it got are checked (sandbox_gate.py).

What bubblewrap cannot stop (a `commondir` created where there was none, repositories made or
moved in during the command) the git guard (git_guard.py) finds when the command has ended.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from tools.local.tree_scan import Findings
from tools.safe_paths import read_bytes

# Mount order at one depth: writable binds, then read-only protections, then hiding.
BIND, PROTECT, HIDE, SHOW = range(4)
Mount = tuple[int, int, list[str]]  # (path depth, kind, bubblewrap arguments)
READ_ONLY_IN_GIT = ("config", "hooks", "modules", "worktrees", "commondir")


def depth(place: str) -> int:
    """How many parts `place` has (`len(Path(place).parts)`)."""
    root, *names = _parts(place)
    return len(names) + (1 if root else 0)


def under(place: str, parent: str) -> bool:
    """True when `place` is `parent` or inside it, by their parts as written (no link
    followed: `Path(place).is_relative_to(parent)`)."""
    inner, outer = _parts(place), _parts(parent)
    return inner[: len(outer)] == outer


def _parts(path: str) -> list[str]:
    """The root (`""` for a relative path; exactly two leading slashes are a root of their
    own), then the names, empty ones and `.` dropped: `PurePosixPath(path).parts` without
    building a path object (a mount table asks for some hundred of them a command)."""
    root = "//" if path[:2] == "//" and path[2:3] != "/" else "/" if path[:1] == "/" else ""
    return [root, *(name for name in path.split("/") if name and name != ".")]


def git_mounts(
    workspace: str | None,
    roots: list[str],
    hidden: list[str],
    found: Findings,
    repos: list[str] | None = None,
) -> Iterator[Mount]:
    """The mounts guarding every `.git` and git directory `found` under `roots` (resolved
    paths), and the stand-in `.git` of a `workspace` that has none; the writable repositories'
    git directories are added to `repos`."""
    guard = _Guard(roots, hidden, [] if repos is None else repos)
    for git in found.gits:
        yield from guard.entry(git)
    for layout in found.layouts:
        yield from guard.git_dir(layout)
    if workspace is not None and workspace in roots:
        git = os.path.join(workspace, ".git")
        if not os.path.lexists(git):
            yield depth(git), PROTECT, ["--tmpfs", git, "--remount-ro", git]


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
            named = _pointed_to(git, "gitdir:", self.roots)
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
        common = _pointed_to(os.path.join(git, "commondir"), "", self.roots)
        if common is not None:
            yield from self.git_dir(common)


def _resolved(path: str) -> str | None:
    try:  # `Path.resolve(strict=True)`, without pathlib's objects
        return os.path.realpath(path, strict=True)
    except OSError:  # missing, or a loop of links
        return None


def _pointed_to(path: str, prefix: str, roots: list[str]) -> str | None:
    """The path a `.git` file (`gitdir: ...`) or a `commondir` file names, resolved against
    the file's directory, or None; the file is read beneath the writable root holding it, only
    when it is a regular file of at most 4 KiB reached through no link."""
    holders = [root for root in roots if under(path, root)]
    if not holders:
        return None
    root = max(holders, key=len)
    try:
        data = read_bytes(root, os.path.relpath(path, root), limit=4096)
    except OSError:
        return None
    text = data.decode("utf-8", "replace").strip()
    if not text.startswith(prefix) or not text[len(prefix) :].strip():
        return None
    return _resolved(os.path.join(os.path.dirname(path), text[len(prefix) :].strip()))
