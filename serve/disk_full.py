"""A full disk answers with what happened and what to do, not a bare 500.

Taking a thread's lock writes a file, and the thread store writes SQLite: with the disk
full either fails, and the request would end as "Internal Server Error". This ASGI
middleware turns such a failure, raised before any answer started, into a 507 with a
sentence. The request's work is not half-recorded: the lock file is written before any
step, and SQLite rolls back a transaction it could not write.
"""

from __future__ import annotations

import errno
import sqlite3

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FULL = (
    "The server's disk is full, so this could not be saved. Nothing of it was kept: free "
    "some space where ml-intern keeps its threads (ML_INTERN_HOME), then try again."
)


def is_disk_full(error: BaseException | None) -> bool:
    """True when `error`, or one it came from, is the disk (or the quota) being full."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(error, sqlite3.OperationalError) and "disk is full" in str(error):
            return True
        if isinstance(error, BaseExceptionGroup):
            return any(is_disk_full(inner) for inner in error.exceptions)
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


class DiskFull:
    """Pure ASGI middleware: 507 with a sentence for a full disk; anything else untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:
            if started or not is_disk_full(error):
                raise
            await JSONResponse({"detail": FULL}, status_code=507)(scope, receive, send)
