"""One embedded server per database: a lock its starting process holds while it serves.

An embedded server (`ml-intern web` or `studio` without `--redis`: LangGraph's development
server) keeps its runs, its queue and its record of threads in its own process. A second one
on the same database would know none of them: it would show the first one's running threads
idle and list only the threads it saw made. So an embedded server takes this lock before it
starts, and a second one is refused with a sentence naming the fix. Several processes on one
database are the team server (`ml-intern web --db URL --redis URL`), which shares runs.

The lock is the thread lock's (store/thread_lock.py) on a name no thread can have: an
exclusive `flock` under `$ML_INTERN_HOME/locks` (beside the SQLite file), or, with a database
URL, a session-level advisory lock in that PostgreSQL database, so a server on another
machine is refused too. Either goes when the process ends, however it ends: never stale. A
holder on another machine may be one that vanished (a Space's container replaced, a machine
gone): the database ends its session within ~25 s (store/postgres_lock.py's dead-peer probes),
so such a holder is waited for, up to `wait_s`, before the refusal; so is a holder the database
no longer names (a session ending holds its lock a moment after it leaves the listing).

    hold = one_embedded_server(home)   # raises ServerRunning if another one serves
    ...serve...
    hold.release()
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from store.database import location
from store.thread_lock import ThreadBusyError, ThreadLock

SERVER_NAME = "ml-intern:embedded-server"  # the lock's name, beside the threads' names
REFUSED = (
    "another embedded server ({who}) already serves these threads ({where}), and an embedded "
    "server is one process. Use that one, or stop it first. To serve one database from several "
    "processes or machines, run the team server: `ml-intern web --db postgresql://... --redis "
    "redis://...` on each (docs/web.md)."
)


class ServerRunning(RuntimeError):
    """Another embedded server holds the database's lock (`elsewhere`: on another machine)."""

    def __init__(self, message: str, *, elsewhere: bool = False) -> None:
        super().__init__(message)
        self.elsewhere = elsewhere


ELSEWHERE_WAIT_S = 30.0  # longer than the database takes to end a vanished holder's session
RETRY_S = 0.5


def one_embedded_server(home: Path, wait_s: float = ELSEWHERE_WAIT_S) -> ThreadLock:
    """The database's embedded-server lock, taken for this process (released with
    `.release()` or when the process ends); ServerRunning when another process holds it (one
    on another machine: still, after `wait_s`)."""
    lock = ThreadLock(home, SERVER_NAME)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            lock.acquire()
            return lock
        except ThreadBusyError as busy:
            if not may_be_going(busy) or time.monotonic() >= deadline:
                said = REFUSED.format(who=holder(busy), where=location(home))
                raise ServerRunning(said, elsewhere=elsewhere(busy)) from None
        time.sleep(RETRY_S)


def may_be_going(busy: ThreadBusyError) -> bool:
    """A holder worth waiting for: one on another machine (it may have vanished), or one the
    database no longer names (its session is ending: the lock outlives the listing briefly)."""
    return elsewhere(busy) or busy.pid is None


def elsewhere(busy: ThreadBusyError) -> bool:
    return bool(busy.host) and busy.host != socket.gethostname()[:40]


def holder(busy: ThreadBusyError) -> str:
    if busy.pid is None:
        return "its process is not known"
    if elsewhere(busy):
        return f"pid {busy.pid} on {busy.host}"
    return f"pid {busy.pid}"
