"""Moving a file the agent could have planted out of its folder, by descriptor.

The folder is one host code opened beneath a trusted anchor (tools/safe_paths.py); the file is
named only relative to it, so a folder on the way swapped for a link cannot send the move
elsewhere, and the file itself is never followed: a symlink is moved (or re-made) as a link.
Across file systems (`rename` says EXDEV) a regular file is copied through the descriptor
opened and checked, then its name is removed from the same folder.

Example::

    with folder_at(workspace, ".git/hooks") as hooks, anchor_fd(quarantine) as box:
        move_out(hooks, "pre-commit", box, "0-hook")
"""

from __future__ import annotations

import errno
import os
import stat

from tools.safe_paths import check_regular, open_at

COPY_LIMIT = 64 << 20  # bytes copied at most across file systems (the rest is not kept)


def move_out(
    src_dir: int, name: str, dest_dir: int, dest_name: str, copy_limit: int = COPY_LIMIT
) -> None:
    """Move `name` from the folder `src_dir` to `dest_name` in the folder `dest_dir` (which
    must not exist there). Same file system: one `rename`. Across: a symlink is re-made, a
    regular file copied (its first `copy_limit` bytes, mode 0o600) and its name removed; any
    other kind (a folder, a FIFO) raises the EXDEV `OSError` and stays where it is."""
    try:
        os.rename(name, dest_name, src_dir_fd=src_dir, dst_dir_fd=dest_dir)
        return
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        crossing = error
    info = os.stat(name, dir_fd=src_dir, follow_symlinks=False)
    if stat.S_ISLNK(info.st_mode):
        os.symlink(os.readlink(name, dir_fd=src_dir), dest_name, dir_fd=dest_dir)
    elif stat.S_ISREG(info.st_mode):
        _copy(src_dir, name, dest_dir, dest_name, copy_limit)
    else:
        raise crossing
    os.unlink(name, dir_fd=src_dir)


def _copy(src_dir: int, name: str, dest_dir: int, dest_name: str, limit: int) -> None:
    source = open_at(src_dir, name, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(source)
        check_regular(info, name, None)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        target = os.open(dest_name, flags, 0o600, dir_fd=dest_dir)
        try:
            offset, want = 0, min(info.st_size, limit)
            while offset < want:
                chunk = os.pread(source, min(want - offset, 1 << 20), offset)
                if not chunk:
                    break
                os.write(target, chunk)
                offset += len(chunk)
        finally:
            os.close(target)
    finally:
        os.close(source)
