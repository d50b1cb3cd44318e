"""A compact listing of the workspace's files with sizes, for a small model's first look.

Qwen2.5-Coder-1.5B asked to summarise the .txt files read the four real ones, then a fifth it
made up until the loop guard stopped it; asked for the largest file it named one without
looking. Shown the files beside the question, it has no name to invent (bench/README.md).
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path

from tools.local.file_walk import SKIP_DIRS
from tools.places import SecretMap

MAX_ENTRIES = 40
MAX_DEPTH = 3


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
    `path size` a line; credential places and files named like secrets are left out, as
    `glob` leaves them out. Empty when there is nothing to show."""
    secrets = SecretMap(workspace)
    lines: list[str] = []
    folders: deque[tuple[Path, int]] = deque([(workspace, 0)])
    more = False
    while folders:
        folder, level = folders.popleft()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name in SKIP_DIRS or entry.is_symlink() or secrets.covers(path):
                continue
            shown = path.relative_to(workspace).as_posix()
            if entry.is_dir():
                if level + 1 < depth:
                    folders.append((path, level + 1))
                elif len(lines) < limit:
                    lines.append(f"{shown}/ (not listed)")
                continue
            if len(lines) >= limit:
                more = True
                break
            try:
                lines.append(f"{shown} {human_size(entry.stat().st_size)}")
            except OSError:
                continue
        if more:
            break
    if more:
        lines.append("[more files not listed: use `glob` to find them]")
    return "\n".join(lines)
