"""The server stops when the `ml-intern web` / `studio` process that started it is gone.

That process stops the server on Ctrl-C or SIGTERM; killed outright (SIGKILL, an OOM kill)
it cannot, and the server lived on as an orphan holding the port and the thread locks.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

PARENT_ENV = "ML_INTERN_SERVER_PARENT"
log = logging.getLogger(__name__)


async def watch_parent() -> None:
    """Wait for the starting process named in ML_INTERN_SERVER_PARENT to end (a pidfd: no
    polling), then stop this server as SIGTERM does (runs end, the checkpointer closes)."""
    try:
        parent = int(os.environ.get(PARENT_ENV, ""))
    except ValueError:
        return
    try:
        pidfd = os.pidfd_open(parent)
    except ProcessLookupError:
        pidfd = None  # already gone
    except (AttributeError, OSError):
        return  # no pidfd on this system: the server outlives a killed parent, as before
    if pidfd is not None:
        loop = asyncio.get_running_loop()
        gone = asyncio.Event()
        loop.add_reader(pidfd, gone.set)
        try:
            await gone.wait()
        finally:
            loop.remove_reader(pidfd)
            os.close(pidfd)
    log.warning("ml-intern: the process that started this server (%d) is gone; stopping", parent)
    os.kill(os.getpid(), signal.SIGTERM)
