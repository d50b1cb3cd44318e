"""Project memory: `AGENTS.md` files the project keeps for agents, as Codex and Claude Code do.

The workspace's `AGENTS.md` and those of its parent folders up to the git root (the folder
holding `.git`; only the workspace itself when there is none) are read, outermost first,
so the most specific instructions come last. A missing file is fine; a binary, unreadable
or huge one gives a warning (a huge one is cut, and the cut is said).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

FILENAME = "AGENTS.md"
MAX_CHARS = 20_000  # per file: project instructions, not a manual
MAX_READ_BYTES = 4 * MAX_CHARS + 8192  # enough UTF-8 for MAX_CHARS and the cut's warning
MAX_DEPTH = 20


@dataclass(frozen=True)
class MemoryFile:
    path: Path
    text: str
    truncated: bool = False


@dataclass(frozen=True)
class Memory:
    files: tuple[MemoryFile, ...]
    warnings: tuple[str, ...]


def memory_folders(workspace: Path) -> list[Path]:
    """The workspace and its parents up to the git root, outermost first."""
    workspace = workspace.resolve()
    chain = [workspace]
    for parent in workspace.parents:
        if len(chain) > MAX_DEPTH or (chain[-1] / ".git").exists():
            break
        chain.append(parent)
    if not (chain[-1] / ".git").exists():
        chain = [workspace]  # not in a repository: parents are not the project's
    return list(reversed(chain))


def load_memory(workspace: Path) -> Memory:
    files: list[MemoryFile] = []
    warnings: list[str] = []
    for folder in memory_folders(workspace):
        path = folder / FILENAME
        try:
            raw = _read_regular(path)
        except OSError as exc:
            warnings.append(f"{path} cannot be read ({exc.strerror}); not loaded.")
            continue
        if raw is None:
            continue
        if b"\0" in raw[:8192]:
            warnings.append(f"{path} is not a text file; not loaded.")
            continue
        text = raw.decode("utf-8", errors="replace").strip()
        cut = len(text) > MAX_CHARS
        if cut:
            warnings.append(
                f"{path} has over {MAX_CHARS:,} characters; only the first {MAX_CHARS:,} are loaded."
            )
            text = text[:MAX_CHARS]
        if text:
            files.append(MemoryFile(path, text, cut))
    return Memory(tuple(files), tuple(warnings))


def _read_regular(path: Path) -> bytes | None:
    """The bytes of the regular file `path` (None when nothing, a link, a FIFO or another
    special file is there): the workspace's AGENTS.md is the agent's to write, so it is opened
    non-blocking without following a link, checked and read on that one descriptor.
    Why: configs/ sits below tools/, so tools/safe_paths.py is out of its reach."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None  # a link: not followed
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        return os.pread(fd, MAX_READ_BYTES, 0)
    finally:
        os.close(fd)
