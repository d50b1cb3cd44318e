"""An attacker's helper: a nest of folders thousands deep, past what a path by name reaches,
and its undoing (moved up level by level, so removing it recurses no deeper than one)."""

from __future__ import annotations

import os
from pathlib import Path


def nest(top: Path, depth: int) -> None:
    """`top/d/d/.../d/deep.py`, `depth` folders deep (past what a path by name can reach)."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    os.close(os.open("deep.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    os.close(fd)


def flatten(top: Path) -> None:
    """Each folder of `nest` moved up into `top`, so the tree can be removed without
    recursing thousands deep."""
    top_fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    fd, moved = os.dup(top_fd), 0
    try:
        while True:
            try:
                os.rename("d", f"up{moved}", src_dir_fd=fd, dst_dir_fd=top_fd)
            except FileNotFoundError:
                return
            os.close(fd)
            fd = os.open(f"up{moved}", os.O_RDONLY | os.O_DIRECTORY, dir_fd=top_fd)
            moved += 1
    finally:
        os.close(fd)
        os.close(top_fd)
