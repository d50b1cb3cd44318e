"""Project memory: `AGENTS.md` files the project keeps for agents, as Codex and Claude Code do.

The workspace's `AGENTS.md` and those of its parent folders up to the git root (the folder
holding `.git`; only the workspace itself when there is none) are read, outermost first,
so the most specific instructions come last. A missing file is fine; a binary, unreadable
or huge one gives a warning (a huge one is cut, and the cut is said).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from configs.regular_file import read_regular

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
            raw = read_regular(path, MAX_READ_BYTES)
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
