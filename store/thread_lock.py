"""One run per thread at a time: an advisory lock per thread, across processes.

Two processes driving the same thread would interleave their checkpoints (each
continues from the checkpoint it last read), so a run holds an exclusive
`fcntl.flock` on `$ML_INTERN_HOME/locks/<thread>.lock` from its first write to its
last. The lock belongs to an open file, so the operating system drops it when the
process exits, however it exits (kill -9 included): a lock is never stale, and
there is nothing to clean up. The pid written into the file is only for the message.

    with ThreadLock(home, thread_id):    # raises ThreadBusyError at once if taken
        ...run the turn...

Locks are per open file, not per process: a second `ThreadLock` on the same thread
in the same process is refused too. With ML_INTERN_DATABASE_URL set, the lock is a
session-level advisory lock in that database instead (store/postgres_lock.py), so
processes on other machines sharing it are refused as well.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from store.database import database_url

if TYPE_CHECKING:
    from store.postgres_lock import Hold

LOCKS_DIR = "locks"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class ThreadBusyError(RuntimeError):
    """The thread is being run by another process (or another session in this one)."""

    def __init__(self, thread_id: str, pid: int | None, host: str | None = None) -> None:
        if pid == os.getpid() and host in (None, socket.gethostname()[:40]):
            who = "another session of this process"
        elif pid and host and host != socket.gethostname()[:40]:
            who = f"another ml-intern process (pid {pid} on {host})"
        else:
            who = f"another ml-intern process (pid {pid})" if pid else "another ml-intern process"
        super().__init__(
            f"Thread {thread_id} is already running in {who}. Wait for that run to finish "
            "or stop it, then resume the thread; running it from two places at once would "
            "mix up its history."
        )
        self.thread_id = thread_id
        self.pid = pid
        self.host = host


def lock_path(home: Path, thread_id: str) -> Path:
    """The lock file of `thread_id`: its name made file-safe, with a hash when that changed it."""
    name = _UNSAFE.sub("_", thread_id)[:80]
    if name != thread_id or name in {"", ".", ".."}:
        name = f"{name}-{hashlib.sha1(thread_id.encode()).hexdigest()[:12]}"
    return Path(home) / LOCKS_DIR / f"{name}.lock"


class ThreadLock:
    """An exclusive, non-blocking lock on one thread, held until `release` (or process exit)."""

    def __init__(self, home: Path, thread_id: str) -> None:
        self.thread_id = thread_id
        self.path = lock_path(home, thread_id)
        self.url = database_url()  # set: an advisory lock in that database instead of a file
        self._fd: int | None = None
        self._hold: Hold | None = None  # on the process's lock session (store/postgres_lock.py)

    @property
    def held(self) -> bool:
        return self._fd is not None or self._hold is not None

    def acquire(self) -> None:
        """Take the lock now or raise ThreadBusyError; taking a held lock again is a no-op."""
        if self.held:
            return
        if self.url is not None:
            self._acquire_advisory(self.url)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder_pid(fd)
            os.close(fd)
            raise ThreadBusyError(self.thread_id, pid) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)  # a full disk fails here
        except BaseException:
            os.close(fd)  # and lets the lock go: the thread must not stay locked by nobody
            raise
        self._fd = fd

    def _acquire_advisory(self, url: str) -> None:
        from store.postgres_lock import lock_session

        self._hold, holder = lock_session(url).try_lock(self.thread_id)
        if self._hold is None:
            host, _, pid = holder.rpartition(":")
            raise ThreadBusyError(self.thread_id, int(pid) if pid.isdigit() else None, host or None)

    def release(self) -> None:
        """Let others run the thread. The file stays: removing it would race with a new holder."""
        hold, self._hold = self._hold, None
        if hold is not None and self.url is not None:
            from store.postgres_lock import lock_session

            with contextlib.suppress(Exception):  # a lost session has let it go already
                lock_session(self.url).unlock(hold)
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the file releases the flock

    def __enter__(self) -> ThreadLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _holder_pid(fd: int, tries: int = 50) -> int | None:
    """The holder's pid. A holder writes it just after taking the lock: read in that moment
    the file is empty, and a lock of this very process would pass for another's. So an empty
    file is read again, a few milliseconds at most, before the holder counts as unknown."""
    for _ in range(tries):
        if (pid := _read_pid(fd)) is not None:
            return pid
        time.sleep(0.001)
    return _read_pid(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
