"""The loop of a process that forks test processes from its own preloaded state.

Single-threaded, with no event loop, so forking it is safe. It serves a Unix socket until
its stdin closes (the test process ended), then kills what it forked and exits.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

# Given the listener (to close in the fork) and one client's connection: the forked pid.
Fork = Callable[[socket.socket, socket.socket], int]


def listen(socket_path: str) -> socket.socket:
    """A Unix socket bound at `socket_path`, listening."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    return listener


def serve_forks(where: str | socket.socket, fork: Fork) -> None:
    """Serve `where` (a socket path: bound here, then "ready" on stdout; or a listening socket
    the process that forked this one bound and gave out) until stdin closes."""
    forked: set[int] = set()

    def reap(_signum: int, _frame: Any) -> None:
        with contextlib.suppress(ChildProcessError):
            while (pid := os.waitpid(-1, os.WNOHANG)[0]) != 0:
                forked.discard(pid)

    signal.signal(signal.SIGCHLD, reap)
    if isinstance(where, socket.socket):
        listener = where
    else:
        listener = listen(where)
        sys.stdout.write("ready\n")
        sys.stdout.flush()
    try:
        while True:
            readable, _, _ = select.select([listener, sys.stdin], [], [])
            if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1024):
                return  # the test process is gone
            if listener in readable:
                conn, _ = listener.accept()
                with conn:
                    forked.add(fork(listener, conn))
    finally:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for pid in list(forked):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in forked:  # reaped: their CPU counts for this process's parent
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        os._exit(0)  # skip tearing down everything preloaded
