"""What a kernel process prints outside its cells, read by the host from a pipe.

The kernel's stdout and stderr are the write end of a pipe the host made before the start
(`asyncio.subprocess.PIPE`); the host drains it for the kernel's whole life, keeping only the
last `KEEP_BYTES`. Nothing the kernel (or a planted interpreter) does to a file can change what
the host reads here: there is no file.
"""

from __future__ import annotations

import asyncio
import contextlib

KEEP_BYTES = 16_384  # the tail kept (a start-up error is shown from its last 1,500 chars)
READ_BYTES = 65_536
EOF_WAIT_S = 2.0  # after the kernel exits: for a child still holding the pipe to let go


class KernelLog:
    """Drains `stream` in the background; `tail()` is the end of what was printed."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._kept = b""
        self._task = asyncio.ensure_future(self._drain(stream))

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(READ_BYTES):
            self._kept = (self._kept + chunk)[-KEEP_BYTES:]

    async def finished(self) -> None:
        """Until the pipe is closed (every writer gone), at most EOF_WAIT_S."""
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._task), EOF_WAIT_S)

    def tail(self, chars: int = 1500) -> str:
        """The last `chars` characters printed, stripped."""
        return self._kept.decode(errors="replace").strip()[-chars:]

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
