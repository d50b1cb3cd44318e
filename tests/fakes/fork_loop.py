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


def serve_forks(socket_path: str, fork: Fork) -> None:
    forked: set[int] = set()

    def reap(_signum: int, _frame: Any) -> None:
        with contextlib.suppress(ChildProcessError):
            while (pid := os.waitpid(-1, os.WNOHANG)[0]) != 0:
                forked.discard(pid)

    signal.signal(signal.SIGCHLD, reap)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
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
        for pid in list(forked):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os._exit(0)  # skip tearing down everything preloaded
