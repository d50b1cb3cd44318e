"""A compact listing of the workspace's files with sizes, for a small model's first look.

Shown the files beside the question, the model has no name to invent. Largest first (in walk
order it still named a 6.9 kB file over a 46.7 kB one). A table's first line goes beside it, so
its column names are not guessed.

Why: a 1.5B model read a fifth .txt file it made up (docs/lab/2026-11-25.md, summarise-files).
"""

from __future__ import annotations

import stat
from collections import deque
from pathlib import Path

from tools.local.file_walk import SKIP_DIRS
from tools.places import secret_map
from tools.result_texts import tool_text
from tools.result_texts.search import FIRST_LINE, FOLDER_NOT_LISTED, LISTED, MORE_NOT_LISTED
from tools.safe_paths import head_at
from tools.safe_tree import walk_at

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
    secrets = secret_map(workspace)
    files: list[tuple[int, str]] = []
    folders_shown: list[str] = []
    folders: deque[tuple[str, int]] = deque([("", 0)])
    more = False
    while folders and not more:
        folder, level = folders.popleft()
        try:
            entries = list(walk_at(workspace, folder, max_depth=0))
        except OSError:
            continue  # swapped for a link since it was listed: not entered
        for entry in entries:
            rel = f"{folder}/{entry.rel}" if folder else entry.rel
            path = workspace / rel
            if entry.rel in SKIP_DIRS or stat.S_ISLNK(entry.st.st_mode) or secrets.covers(path):
                continue
            shown = printable(rel)
            if entry.is_dir:
                if level + 1 < depth:
                    folders.append((rel, level + 1))
                elif len(files) + len(folders_shown) < limit:
                    folders_shown.append(tool_text("listing", FOLDER_NOT_LISTED, path=shown))
                continue
            if len(files) + len(folders_shown) >= limit:
                more = True
                break
            size = entry.st.st_size
            first = first_line(workspace, rel)
            line = tool_text("listing", LISTED, path=shown, size=human_size(size), first=first)
            files.append((size, line))
    files.sort(key=lambda f: -f[0])  # stable: equal sizes keep the walk's order
    lines = [line for _, line in files] + folders_shown
    if more:
        lines.append(tool_text("listing", MORE_NOT_LISTED))
    return "\n".join(lines)


def first_line(workspace: Path, rel: str) -> str:
    """`, first line: ...` for a table (its header, usually), else nothing; read by
    descriptor beneath the workspace (a planted FIFO or link named like a table: nothing)."""
    if Path(rel).suffix.lower() not in TABLES:
        return ""
    head = head_at(workspace, rel, HEADER_BYTES)
    line = head.decode("utf-8", "replace").splitlines()[0].strip() if head.strip() else ""
    return tool_text("listing", FIRST_LINE, line=printable(line)) if line else ""


def printable(text: str) -> str:
    """`text` as is, or quoted with escapes when it holds a newline or another control
    character: a planted name must not add a line of its own to what the model reads."""
    return text if text.isprintable() else repr(text)
