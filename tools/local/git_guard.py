"""After every sandboxed command: find what it planted for the user's own git, and undo it.

bubblewrap keeps the git directories that existed read-only where it matters (sandbox_git.py),
but a command can still make a repository (`git init`, a clone, a bare layout of `HEAD`,
`objects/`, `refs/`), move one where the mounts did not reach, or add a `commondir`. Before the
command the guard notes, for every git directory under the writable roots (tree_scan.py, no
depth limit), its `config`, `config.worktree`, `commondir` and hooks, keyed by the directory's
(device, inode) so a moved repository is still itself. Afterwards it looks again, and:

- a config that changed is put back as it was; in a git directory made by the command, a config
  with keys that can run programs (anything outside SAFE_KEY) is replaced by its safe keys;
- a hook (not `*.sample`) or `commondir` that is new or changed is moved out;

everything taken away goes to `$ML_INTERN_HOME/quarantine/`, and a note tells the model and the
user what was done. Folders it could not read are named in a note too.

All of it is host code touching what the command could write, so none of it goes by name: each
git directory is opened beneath the writable root it lies in (tools/safe_paths.py: no link
followed, no FIFO blocked on, reads bounded), its files are read and put back and its hooks
moved out through that descriptor, and it must still be the directory the walk saw (device
and inode) when anything is undone. A `config`, `commondir` or `hooks` that is a symlink, a
FIFO or another odd thing counts as planted. A git directory outside the writable roots (a
`.git` file or link naming the user's repository elsewhere) cannot be written from inside, so
the guard leaves it alone.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tools.local.git_quarantine import Quarantine, shown
from tools.local.tree_scan import Findings
from tools.result_texts import tool_text
from tools.result_texts.sandbox import (
    MORE_UNCHECKED,
    NOT_UNDONE,
    NOT_WRITTEN_BACK,
    PUT_BACK,
    UNCHECKED,
)
from tools.safe_paths import folder_at, kind_of, lstat_at, open_at, read_bytes, write_in

WATCHED_FILES = ("config", "config.worktree", "commondir")
CONFIGS = ("config", "config.worktree")
MAX_FILE_BYTES = 1 << 20
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NONBLOCK
# Configuration a plain clone, init, submodule or worktree writes: nothing here runs a program.
SAFE_KEY = re.compile(
    r"^(core\.(repositoryformatversion|filemode|bare|logallrefupdates|ignorecase"
    r"|precomposeunicode|symlinks|autocrlf|eol|worktree|sparsecheckout|sparsecheckoutcone"
    r"|longpaths|quotepath)|extensions\.[a-z]+|remote\..+\.(url|pushurl|fetch|tagopt|prune"
    r"|mirror|promisor|partialclonefilter)|branch\..+\.(remote|merge|rebase|pushremote)"
    r"|submodule\..+\.(url|active|path|branch)|user\.(name|email)|init\.defaultbranch"
    r"|pull\.(rebase|ff)|fetch\.prune|gc\.auto|lfs\.repositoryformatversion)$"
)
Key = tuple[int, int]  # a git directory's (device, inode)
Seen = bytes | str | None  # a watched file's bytes, what odd thing is there instead, or nothing
Place = tuple[str, str]  # (writable root, path relative to it)


@dataclass
class GitDir:
    """What could make the user's git run something, in one git directory: `rel` beneath the
    writable root `anchor` (at `path`)."""

    path: str
    anchor: str
    rel: str
    files: dict[str, Seen]
    hooks: dict[str, tuple[int, int, int]]  # name -> (mode, size, mtime_ns)


@dataclass
class GitState:
    dirs: dict[Key, GitDir] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)


def git_state(found: Findings) -> GitState:
    """Every git directory in `found` beneath its roots: `.git` directories, the ones `.git`
    files and links name, bare layouts, and the worktree and submodule git directories inside
    them; each opened by descriptor beneath its root, never through a link."""
    state = GitState(unreadable=list(found.unreadable))
    todo = [place for path in found.layouts if (place := _beneath(found.roots, path))]
    for git in found.gits:
        todo += _git_dir_of(found.roots, git)
    while todo:
        anchor, rel = todo.pop()
        try:
            with folder_at(anchor, rel) as fd:
                key = _key(fd)
                if key in state.dirs or not _has_head(fd):
                    continue
                state.dirs[key] = _look(fd, anchor, rel)
                todo += [(anchor, os.path.join(rel, inner)) for inner in _inner_git_dirs(fd)]
        except OSError:
            continue  # gone, or a link where the walk saw a folder
    return state


def _beneath(roots: list[str], path: str) -> Place | None:
    """(root, `path` relative to it) for the deepest of `roots` holding `path`, else None."""
    holders = [root for root in roots if Path(path).is_relative_to(root)]
    if not holders:
        return None
    root = max(holders, key=len)
    return root, os.path.relpath(path, root)


def _git_dir_of(roots: list[str], git: str) -> list[Place]:
    """The git directory a `.git` entry is or names (a `gitdir:` file, a link), when it lies
    beneath a writable root; one outside cannot be written from inside."""
    place = _beneath(roots, git)
    if place is None:
        return []
    try:
        info = lstat_at(*place)
        if info is None:
            return []
        if stat.S_ISDIR(info.st_mode):
            return [place]
        if stat.S_ISREG(info.st_mode):
            text = read_bytes(*place, limit=4096).decode("utf-8", "replace").strip()
            if not text.startswith("gitdir:"):
                return []
            named = os.path.join(os.path.dirname(git), text[7:].strip())
        elif stat.S_ISLNK(info.st_mode):
            named = git
        else:
            return []
        inside = _beneath(roots, os.path.realpath(named))  # names only: realpath opens nothing
    except OSError:  # gone, swapped, or not safely readable
        return []
    return [inside] if inside is not None else []


def _key(fd: int) -> Key:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def _has_head(fd: int) -> bool:
    try:
        mode = os.stat("HEAD", dir_fd=fd, follow_symlinks=False).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISLNK(mode)  # old repositories link HEAD to the branch


def _inner_git_dirs(git: int) -> list[str]:
    """Worktree and submodule git directories (`modules/` nests) of the git directory open as
    `git`, relative to it; folders only, never entered through a link."""
    found: list[str] = []
    for base in ("worktrees", "modules"):
        _find_heads(git, base, found, 0)
    return found


def _find_heads(git: int, rel: str, found: list[str], depth: int) -> None:
    try:
        fd = open_at(git, rel, _DIR)
    except OSError:
        return
    try:
        with os.scandir(fd) as entries:
            folders = [entry.name for entry in entries if entry.is_dir(follow_symlinks=False)]
        if _has_head(fd):
            found.append(rel)
            folders = [name for name in folders if name == "modules"]
    except OSError:
        return
    finally:
        os.close(fd)
    for name in folders if depth < 64 else []:
        _find_heads(git, os.path.join(rel, name), found, depth + 1)


def _look(fd: int, anchor: str, rel: str) -> GitDir:
    files = {name: _read(fd, name) for name in WATCHED_FILES}
    hooks: dict[str, tuple[int, int, int]] = {}
    try:
        hooks_fd = open_at(fd, "hooks", _DIR)
    except FileNotFoundError:
        hooks_fd = -1
    except OSError:  # a link, or something else that is not a folder
        files["hooks"] = _read(fd, "hooks")
        hooks_fd = -1
    if hooks_fd >= 0:
        try:
            with os.scandir(hooks_fd) as entries:
                for entry in entries:
                    if not entry.name.endswith(".sample"):
                        info = entry.stat(follow_symlinks=False)
                        hooks[entry.name] = (info.st_mode, info.st_size, info.st_mtime_ns)
        except OSError:
            pass
        finally:
            os.close(hooks_fd)
    return GitDir(os.path.normpath(os.path.join(anchor, rel)), anchor, rel, files, hooks)


def _read(fd: int, name: str) -> Seen:
    """The bytes of the regular file `name` in the folder `fd`; for anything else (a link, a
    FIFO, a file over MAX_FILE_BYTES) what is there, in words; None when nothing is."""
    try:
        file = open_at(fd, name, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError:
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError:
            return "unreadable"
        if stat.S_ISLNK(info.st_mode):
            return f"a symlink to {os.readlink(name, dir_fd=fd)!r}"
        return f"{kind_of(info.st_mode)} ({info.st_ino}, {info.st_mtime_ns})"
    try:
        info = os.fstat(file)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            what = kind_of(info.st_mode)
            return f"{what} of {info.st_size:,} bytes ({info.st_ino}, {info.st_mtime_ns})"
        return os.pread(file, MAX_FILE_BYTES, 0)
    finally:
        os.close(file)


def undo_plants(before: GitState, after: GitState) -> list[str]:
    """Undo what the command planted between the two states; one note per action."""
    notes = []
    box = Quarantine()
    for key, now in after.dirs.items():
        then = before.dirs.get(key)
        if then is not None and (then.files, then.hooks) == (now.files, now.hooks):
            continue
        try:
            with folder_at(now.anchor, now.rel) as fd:
                if _key(fd) != key:
                    raise OSError(errno.ESTALE, "it was replaced while being checked")
                notes += _undo_files(box, fd, then, now)
                notes += _undo_hooks(box, fd, then, now)
        except OSError as error:
            path, why = shown(now.path), error.strerror
            notes.append(tool_text("git_guard", NOT_UNDONE, path=path, error=why))
    if after.unreadable:
        names = ", ".join(map(shown, after.unreadable[:5]))
        more = tool_text("git_guard", MORE_UNCHECKED) if len(after.unreadable) > 5 else ""
        notes.append(tool_text("git_guard", UNCHECKED, names=names, more=more))
    return notes


def _undo_hooks(box: Quarantine, fd: int, then: GitDir | None, now: GitDir) -> list[str]:
    """New or changed hooks moved out of the `hooks` folder of the git directory `fd`."""
    changed = sorted(
        n for n, info in now.hooks.items() if then is None or then.hooks.get(n) != info
    )
    if not changed:
        return []
    notes = []
    hooks_fd = open_at(fd, "hooks", _DIR)
    try:
        for name in changed:
            notes += box.take(hooks_fd, name, "hook", os.path.join(now.path, "hooks", name))
    finally:
        os.close(hooks_fd)
    return notes


def _undo_files(box: Quarantine, fd: int, then: GitDir | None, now: GitDir) -> list[str]:
    """Changed config files put back, a new repository's risky config cut to its safe keys,
    a new or changed `commondir` (or a `hooks` that is not a folder) moved out; all through
    the git directory's descriptor `fd`, never written through what is at the name."""
    notes = []
    for name, seen in now.files.items():
        old = then.files.get(name) if then is not None else None
        if seen is None or seen == old:
            continue
        kept: list[tuple[str, str]] = []
        if old is None and name in CONFIGS:  # a config that did not exist before
            entries = _entries(seen) if isinstance(seen, bytes) else None
            kept = [(key, value) for key, value in entries or [] if SAFE_KEY.match(key)]
            if entries is not None and len(kept) == len(entries):
                continue  # a plain clone's or init's config
        place = os.path.join(now.path, name)
        taken = box.take(fd, name, name, place)
        notes += taken
        if not box.took(place):
            continue  # still there: nothing is written over it
        if isinstance(old, bytes):
            done = tool_text("git_guard", PUT_BACK, what=name, path=shown(now.path))
            notes += _put(fd, name, old, place, done)
        elif kept:
            notes += _put(fd, name, _render(kept).encode(), place, "")
    return notes


def _put(fd: int, name: str, data: bytes, place: str, done: str) -> list[str]:
    """`data` written as `name` in the folder `fd` (a new file: nothing there is followed);
    the note `done` when it was, if any."""
    try:
        write_in(fd, name, data)
    except OSError as error:
        return [tool_text("git_guard", NOT_WRITTEN_BACK, path=shown(place), error=error.strerror)]
    return [done] if done else []


def _entries(data: bytes) -> list[tuple[str, str]] | None:
    """The keys and values of the git config `data` (given on stdin: git opens nothing)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CONFIG_NOSYSTEM": "1"}
    env |= {"HOME": "/nonexistent", "GIT_CONFIG_GLOBAL": "/dev/null"}
    argv = ["git", "config", "--file", "-", "--no-includes", "--null", "--list"]
    try:
        done = subprocess.run(
            argv, input=data, capture_output=True, env=env, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    pairs = [item.decode("utf-8", "replace").partition("\n") for item in done.stdout.split(b"\0")]
    return [(key.lower(), value) for key, _, value in pairs if key]


def _render(entries: list[tuple[str, str]]) -> str:
    """A git config file holding `entries` (only keys from SAFE_KEY, so no odd sections)."""
    lines, section = [], None
    for key, value in entries:
        head, _, name = key.rpartition(".")
        first, _, sub = head.partition(".")
        title = f'[{first} "{_quoted(sub)}"]' if sub else f"[{first}]"
        if title != section:
            lines.append(title)
            section = title
        lines.append(f'\t{name} = "{_quoted(value)}"')
    return "\n".join(lines) + "\n" if lines else ""


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
