"""Waiting, by polling, until files' last changes are past their clock's slack
(tools/settled_times.py): only then does what was seen of them count as unchanged."""

from __future__ import annotations

import time
from pathlib import Path

from tools import settled_times


def settle(*paths: Path) -> None:
    """Poll until each path's last change (mtime or ctime) is past its clock's slack."""
    for path in paths:
        info = path.stat()
        while not settled_times.settled(max(info.st_mtime_ns, info.st_ctime_ns), time.time_ns()):
            pass


def settle_tree(folder: Path) -> None:
    """`settle` everything in `folder`, the folder and every folder above it."""
    settle(*folder.rglob("*"), folder, *folder.parents)
