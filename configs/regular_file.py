"""Reading a file the agent may have planted, from below tools/ (which holds the one safe
module, tools/safe_paths.py, out of configs' reach in the import order).

Only the last component can be the agent's here (the workspace's AGENTS.md or `.env`; the
folders above it are the user's), so one open without following a link, non-blocking, and a
check on that descriptor are the whole guard.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def read_regular(path: Path, limit: int) -> bytes | None:
    """At most `limit` bytes of the regular file `path`; None when nothing, a link, a FIFO or
    another special file is there (never followed, never blocked on)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None  # a link: not followed
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.pread(fd, limit, 0)
    finally:
        os.close(fd)
