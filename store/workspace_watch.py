"""Which workspace folders changed since the last look, from Linux inotify.

The record scans the workspace before and after every call that runs a program; with a
watch on each folder, a scan re-lists only the folders something happened in, so a step
that changed nothing costs one `read` instead of an `lstat` per file. Where inotify is
missing or full (another OS, the watch limit, the queue overflowing), `changed()` answers
None and the caller scans everything, as before. Writes through `mmap` raise no event: a
full scan every `FULL_SCAN_EVERY_S` catches those.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import struct
import time

IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF, IN_Q_OVERFLOW, IN_IGNORED = 0x400, 0x800, 0x4000, 0x8000
IN_ONLYDIR, IN_DONT_FOLLOW, IN_ISDIR = 0x01000000, 0x02000000, 0x40000000
IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
MASK = (
    IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
    | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW
)  # fmt: skip
HEADER = struct.Struct("iIII")  # wd, mask, cookie, len
FULL_SCAN_EVERY_S = 300.0


def _libc() -> ctypes.CDLL | None:
    """glibc's by its name; elsewhere as `find_library` finds it (which runs `ldconfig -p`,
    ~6 ms of a first tool call)."""
    for name in ("libc.so.6", None):
        try:
            libc = ctypes.CDLL(name or ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.inotify_init1  # noqa: B018  (absent off Linux)
        except (OSError, AttributeError):
            continue
        return libc
    return None


class FolderWatch:
    """inotify watches on a workspace's folders (paths relative to `root`)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.libc = _libc()
        self.fd = -1 if self.libc is None else self.libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        self.folders: dict[int, str] = {}
        self.broken = self.fd < 0
        self.full_at = time.monotonic()

    def watch(self, rel_dirs: list[str]) -> None:
        """Watch these folders ("" is the root); a failure (the limit) breaks the watch."""
        if self.broken or self.libc is None:
            return
        for rel in rel_dirs:
            path = os.fsencode(os.path.join(self.root, rel) if rel else self.root)
            wd = self.libc.inotify_add_watch(self.fd, path, MASK)
            if wd < 0:
                if ctypes.get_errno() in (2, 20):  # gone, or no longer a folder: no matter
                    continue
                self.broken = True
                return
            self.folders[wd] = rel

    def changed(self) -> tuple[set[str], set[str]] | None:
        """(folders whose entries changed, folders made or moved in) since the last call, or
        None when only a full scan can tell."""
        if self.broken:
            return None
        if time.monotonic() - self.full_at > FULL_SCAN_EVERY_S:
            return None
        dirty: set[str] = set()
        born: set[str] = set()
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return dirty, born
            except OSError:
                self.broken = True
                return None
            offset = 0
            while offset < len(data):
                wd, mask, _cookie, size = HEADER.unpack_from(data, offset)
                name = data[offset + HEADER.size : offset + HEADER.size + size].rstrip(b"\0")
                offset += HEADER.size + size
                if mask & IN_Q_OVERFLOW:
                    return None  # events were lost
                folder = self.folders.get(wd)
                if folder is None:
                    continue
                if mask & IN_IGNORED:
                    del self.folders[wd]
                    continue
                dirty.add(folder)
                if name and mask & IN_ISDIR and mask & (IN_CREATE | IN_MOVED_TO):
                    child = os.fsdecode(name)
                    born.add(f"{folder}/{child}" if folder else child)

    def scanned_all(self) -> None:
        self.full_at = time.monotonic()

    def close(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1
            self.broken = True
