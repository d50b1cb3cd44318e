"""A compact listing of the workspace's files with sizes, for a small model's first look.

Qwen2.5-Coder-1.5B asked to summarise the .txt files read the four real ones, then a fifth it
made up until the loop guard stopped it; asked for the largest file it named one without
looking. Shown the files beside the question, it has no name to invent (bench/README.md).
Largest first: shown its files in walk order it still named a 6.9 kB file over a 46.7 kB one.
A table's first line goes beside it: asked to count a CSV's rows by two columns, it grepped
for column names it guessed.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from pathlib import Path

from tools.local.file_walk import SKIP_DIRS
from tools.places import SecretMap

MAX_ENTRIES = 40
MAX_DEPTH = 3
TABLES = (".csv", ".tsv")
HEADER_BYTES = 200


def human_size(size: int) -> str:
    """Bytes as a person writes them: 312 B, 46.7 kB, 1.3 MB."""
    if size < 1000:
        return f"{size} B"
    for unit in ("kB", "MB", "GB", "TB"):
        size_f = size / 1000
        if size_f < 1000 or unit == "TB":
            return f"{size_f:.1f} {unit}"
        size = int(size_f)
    raise AssertionError("unreachable")


def workspace_listing(workspace: Path, limit: int = MAX_ENTRIES, depth: int = MAX_DEPTH) -> str:
    """Up to `limit` files under `workspace` (top level first, `depth` folders down), one
    `path size` a line, largest first, a table with its first line; credential places and
    files named like secrets are left out, as `glob` leaves them out. Empty when there is
    nothing to show."""
    secrets = SecretMap(workspace)
    files: list[tuple[int, str]] = []
    folders_shown: list[str] = []
    folders: deque[tuple[Path, int]] = deque([(workspace, 0)])
    more = False
    while folders and not more:
        folder, level = folders.popleft()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name in SKIP_DIRS or entry.is_symlink() or secrets.covers(path):
                continue
            shown = printable(path.relative_to(workspace).as_posix())
            if entry.is_dir():
                if level + 1 < depth:
                    folders.append((path, level + 1))
                elif len(files) + len(folders_shown) < limit:
                    folders_shown.append(f"{shown}/ (not listed)")
                continue
            if len(files) + len(folders_shown) >= limit:
                more = True
                break
            try:
                size = entry.stat().st_size
            except OSError:
                continue
            files.append((size, f"{shown} {human_size(size)}{first_line(path)}"))
    files.sort(key=lambda f: -f[0])  # stable: equal sizes keep the walk's order
    lines = [line for _, line in files] + folders_shown
    if more:
        lines.append("[more files not listed: use `glob` to find them]")
    return "\n".join(lines)


def first_line(path: Path) -> str:
    """`, first line: ...` for a table (its header, usually), else nothing."""
    if path.suffix.lower() not in TABLES:
        return ""
    try:  # a pipe or device named like a table would block or never end: regular files only
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return ""
    try:
        head = os.read(fd, HEADER_BYTES) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return ""
    finally:
        os.close(fd)
    line = head.decode("utf-8", "replace").splitlines()[0].strip() if head.strip() else ""
    return f", first line: {printable(line)}" if line else ""


def printable(text: str) -> str:
    """`text` as is, or quoted with escapes when it holds a newline or another control
    character: a planted name must not add a line of its own to what the model reads."""
    return text if text.isprintable() else repr(text)
