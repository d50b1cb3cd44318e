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
machine is refused too. Either goes when the process ends, however it ends: never stale.

    hold = one_embedded_server(home)   # raises ServerRunning if another one serves
    ...serve...
    hold.release()
"""

from __future__ import annotations

import socket
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
    """Another embedded server holds the database's lock."""


def one_embedded_server(home: Path) -> ThreadLock:
    """The database's embedded-server lock, taken for this process (released with
    `.release()` or when the process ends); ServerRunning when another process holds it."""
    lock = ThreadLock(home, SERVER_NAME)
    try:
        lock.acquire()
    except ThreadBusyError as busy:
        raise ServerRunning(REFUSED.format(who=holder(busy), where=location(home))) from None
    return lock


def holder(busy: ThreadBusyError) -> str:
    if busy.pid is None:
        return "its process is not known"
    if busy.host and busy.host != socket.gethostname()[:40]:
        return f"pid {busy.pid} on {busy.host}"
    return f"pid {busy.pid}"
