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
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from configs.environment import ml_intern_home
from tools.local.tree_scan import Findings

WATCHED_FILES = ("config", "config.worktree", "commondir")
MAX_FILE_BYTES = 1 << 20
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


@dataclass
class GitDir:
    """What could make the user's git run something, in one git directory."""

    path: str
    files: dict[str, bytes | None]
    hooks: dict[str, tuple[int, int, int]]  # name -> (mode, size, mtime_ns)


@dataclass
class GitState:
    dirs: dict[Key, GitDir] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)


def git_state(found: Findings) -> GitState:
    """Every git directory in `found`: `.git` directories, the ones `.git` files name, bare
    layouts, and the worktree and submodule git directories inside them."""
    state = GitState(unreadable=list(found.unreadable))
    todo = [*found.layouts]
    for git in found.gits:
        todo.append(_pointed(git) if os.path.isfile(git) else os.path.realpath(git))
    while todo:
        path = todo.pop()
        if not path or not os.path.isfile(os.path.join(path, "HEAD")):
            continue
        try:
            info = os.stat(path)
        except OSError:
            continue
        key = (info.st_dev, info.st_ino)
        if key in state.dirs:
            continue
        state.dirs[key] = _look(path)
        todo += _inner_git_dirs(path)
    return state


def _pointed(git_file: str) -> str:
    try:
        text = Path(git_file).read_text(encoding="utf-8", errors="replace")[:4096].strip()
    except OSError:
        return ""
    if not text.startswith("gitdir:"):
        return ""
    return os.path.realpath(os.path.join(os.path.dirname(git_file), text[7:].strip()))


def _inner_git_dirs(git: str) -> list[str]:
    """Worktree git directories and submodule git directories (`modules/` nests)."""
    found = []
    for base in ("worktrees", "modules"):
        for root, dirs, files in os.walk(os.path.join(git, base)):
            if "HEAD" in files:
                found.append(root)
                dirs[:] = [d for d in dirs if d == "modules"]
    return found


def _look(path: str) -> GitDir:
    files = {name: _read(os.path.join(path, name)) for name in WATCHED_FILES}
    hooks: dict[str, tuple[int, int, int]] = {}
    try:
        with os.scandir(os.path.join(path, "hooks")) as entries:
            for entry in entries:
                if not entry.name.endswith(".sample"):
                    info = entry.stat(follow_symlinks=False)
                    hooks[entry.name] = (info.st_mode, info.st_size, info.st_mtime_ns)
    except OSError:
        pass
    return GitDir(path, files, hooks)


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read(MAX_FILE_BYTES)
    except FileNotFoundError:
        return None
    except OSError:
        return b"<unreadable>"


def undo_plants(before: GitState, after: GitState) -> list[str]:
    """Undo what the command planted between the two states; one note per action."""
    notes = []
    box = _Quarantine()
    for key, now in after.dirs.items():
        then = before.dirs.get(key)
        notes += _undo_files(box, then, now)
        for name, stat in now.hooks.items():
            if then is None or then.hooks.get(name) != stat:
                notes += box.take(os.path.join(now.path, "hooks", name), "hook")
    if after.unreadable:
        shown = ", ".join(map(_shown, after.unreadable[:5]))
        shown += " ..." if len(after.unreadable) > 5 else ""
        notes.append(f"[ml-intern could not check these folders for planted git files: {shown}]")
    return notes


def _undo_files(box: _Quarantine, then: GitDir | None, now: GitDir) -> list[str]:
    """Changed config files put back, a new repository's risky config cut to its safe keys,
    a new or changed `commondir` moved out."""
    notes = []
    for name, text in now.files.items():
        old = then.files.get(name) if then is not None else None
        place = os.path.join(now.path, name)
        if text is None or text == old:
            continue
        kept: list[tuple[str, str]] = []
        if old is None and name != "commondir":  # a config that did not exist before
            entries = _entries(place)
            kept = [(key, value) for key, value in entries or [] if SAFE_KEY.match(key)]
            if entries is not None and len(kept) == len(entries):
                continue  # a plain clone's or init's config
        notes += box.take(place, name)
        if old is not None and old != b"<unreadable>":
            Path(place).write_bytes(old)
            notes.append(f"[ml-intern put back the {name} of {_shown(now.path)} as it was]")
        elif kept:
            Path(place).write_text(_render(kept))
    return notes


def _entries(path: str) -> list[tuple[str, str]] | None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CONFIG_NOSYSTEM": "1"}
    env |= {"HOME": "/nonexistent", "GIT_CONFIG_GLOBAL": "/dev/null"}
    argv = ["git", "config", "--file", path, "--no-includes", "--null", "--list"]
    try:
        done = subprocess.run(argv, capture_output=True, env=env, timeout=10, check=False)
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


class _Quarantine:
    """Where taken-away files go: `$ML_INTERN_HOME/quarantine/<time>-<pid>/`."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.moved: list[str] = []

    def take(self, place: str, what: str) -> list[str]:
        if self.folder is None:
            stamp = time.strftime("%Y%m%dT%H%M%S")
            self.folder = ml_intern_home() / "quarantine" / f"{stamp}-{os.getpid()}-{id(self)}"
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self.folder / f"{len(self.moved)}-{what}"
        try:
            shutil.move(place, target)
        except OSError as error:
            return [
                f"[ml-intern could not move away the {what} {_shown(place)} ({error.strerror}): "
                "remove it before running git there]"
            ]
        self.moved.append(str(target))
        why = "it would have let a later git command outside the sandbox run code"
        return [
            f"[ml-intern moved the {what} {_shown(place)}, which this command planted, to "
            f"{target}: {why}]"
        ]


def _shown(path: str) -> str:
    """A path on one readable line: control characters and bytes that are not UTF-8 escaped."""
    raw = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw)
