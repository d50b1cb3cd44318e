"""A child process's stderr kept in a log file, with its secrets masked.

An MCP server is given its token in its environment, and a failing one often prints its
config; its stderr log stays on disk. So the child writes to a pipe, and a thread copies what
it writes into the log a whole line at a time, masked like any tool output (`StreamMasker`:
known values, the rule set, a private key's later lines). A line still unfinished is written
when it ends or when the child closes its stderr; an endless one in 64 KB pieces.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from tools.secrets import StreamMasker
from tools.secrets.rules import warm_up

MAX_LINE = 65_536


class MaskedLog:
    """The log of one server: a new pipe for each process started, copied in the background."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._copiers: list[_Copier] = []

    def sink(self) -> TextIO:
        """The file to give a child as its stderr; close it once the child has started."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        read, write = os.pipe()
        copier = _Copier(read, self.path)
        self._copiers = [*(c for c in self._copiers if c.is_alive()), copier]
        copier.start()
        return os.fdopen(write, "w", encoding="utf-8")

    def settle(self, timeout: float = 2.0) -> None:
        """Wait (at most `timeout` s) until the lines written so far are in the log. The secret
        rules compile first, without that bound: a copier masks nothing before they have (once
        a process, ~0.5 s of CPU, several seconds on a loaded machine), and is not stuck."""
        warm_up()
        deadline = time.monotonic() + timeout
        for copier in list(self._copiers):
            copier.settle(deadline)


class _Copier(threading.Thread):
    def __init__(self, pipe: int, path: Path) -> None:
        super().__init__(name=f"ml-intern-log:{path.name}", daemon=True)
        self._pipe, self._path = pipe, path
        self._wake_read, self._wake_write = os.pipe()  # `settle` asks through it
        self._settled = threading.Event()
        self._lock = threading.Lock()
        self._done = False

    def run(self) -> None:
        mask, rest = StreamMasker(), b""
        try:
            with self._path.open("ab") as log:
                for chunk in self._chunks():
                    data = rest + chunk
                    cut = data.rfind(b"\n") + 1 or (len(data) if len(data) >= MAX_LINE else 0)
                    data, rest = data[:cut], data[cut:]
                    log.write(_masked(mask, data))
                    log.flush()
                log.write(_masked(mask, rest))
        finally:
            with self._lock:
                self._done = True
                for fd in (self._pipe, self._wake_read, self._wake_write):
                    os.close(fd)
            self._settled.set()

    def _chunks(self) -> Iterator[bytes]:
        """What the child writes, until it closes its end. A wake-up from `settle` is answered
        once the pipe is empty: every chunk read before has been written to the log."""
        while True:
            ready, _, _ = select.select([self._pipe, self._wake_read], [], [])
            if self._pipe in ready:
                chunk = os.read(self._pipe, MAX_LINE)
                if not chunk:
                    return
                yield chunk
            else:
                os.read(self._wake_read, 64)
                self._settled.set()

    def settle(self, deadline: float) -> None:
        with self._lock:
            if self._done:
                return
            self._settled.clear()
            os.write(self._wake_write, b".")
        self._settled.wait(max(0.0, deadline - time.monotonic()))


def _masked(mask: StreamMasker, data: bytes) -> bytes:
    return mask(data.decode("utf-8", errors="replace")).encode("utf-8") if data else b""
