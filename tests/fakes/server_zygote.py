"""`langgraph dev` forked from a zygote that imported this package's server modules too.

A web test's `ml-intern web` (or `ml-intern studio`) starts `langgraph dev` through the shim
(tests/fakes/langgraph_shim.py), forked from the CLI zygote (tests/fakes/cli_zygote.py).
Each server then imported our own server modules (serve/, graph/, nodes/, tools/, store/:
~300 modules) before it answered. So the CLI zygote forks, on the first server it is asked
for, a second zygote that imports them once (SERVER_PRELOAD), and the servers are forked
from that one. The CLI's own runs still import our modules themselves: the CLI zygote never
does, and a command's runs never come from here.

Safe while importing those modules reads nothing that differs between tests (environment,
working directory, files, time), draws nothing random and starts no thread: audited, and
checked by tests/fakes/test_server_zygote.py (two forked runs in different environments
import them and compare what they hold). `langgraph_api` reads its settings at import, and
`langgraph dev` sets them per server: each server imports it itself. A zygote that cannot
start says why on the CLI zygote's stderr, and the servers are forked from the CLI zygote.

Protocol: a client of the CLI zygote sends `{"server_zygote": true}`; the answer is the path
this zygote listens on (an empty line: none), where it sends the request it would have sent
the CLI zygote (tests/fakes/langgraph_shim.py `server_zygote_path`).
"""

from __future__ import annotations

import gc
import importlib
import os
import select
import socket
import threading
import traceback
from typing import NoReturn

from tests.fakes.fork_loop import Fork, serve_forks

# What `langgraph dev` imports of ours for `ml-intern web` and `ml-intern studio`: the
# graph and checkpointer it names by module, and what the HTTP app and the sign-in it loads
# by file path import (those two files run again in each server, as a fresh one runs them).
SERVER_PRELOAD = ("serve.studio", "serve.web_graph", "serve.app", "serve.auth")


class ServerZygote:
    """In the CLI zygote: its server zygote, forked on the first ask (again if it died)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.starts = 0
        self.pid = 0
        self.pidfd: int | None = None
        self.path = ""

    def answer(self, listener: socket.socket, conn: socket.socket, fork: Fork) -> int:
        """Tell `conn` where the server zygote listens (starting it if need be); its pid (0:
        none)."""
        if self.pidfd is None or select.select([self.pidfd], [], [], 0)[0]:
            self._start(listener, conn, fork)
        conn.sendall(f"{self.path}\n".encode())
        return self.pid

    def _start(self, listener: socket.socket, conn: socket.socket, fork: Fork) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
        self.pidfd, self.pid, self.path = None, 0, ""
        self.starts += 1
        path = os.path.join(self.directory, f"server-{self.starts}.sock")
        ready_read, ready_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(ready_read)
            listener.close()
            conn.close()
            _serve(path, fork, ready_write)
        os.close(ready_write)
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:  # died at once (and was reaped)
            os.close(ready_read)
            return
        with os.fdopen(ready_read, "rb") as ready:
            started = ready.readline() == b"ready\n"
        if not started:
            os.close(pidfd)
            return
        self.pidfd, self.pid, self.path = pidfd, pid, path


def _serve(path: str, fork: Fork, ready_write: int) -> NoReturn:
    """In the forked server zygote: import, freeze, then fork servers until stdin closes."""
    try:
        preload_server()
        gc.freeze()  # as the CLI zygote's preload: no run's collection walks or copies it

        def ready() -> None:
            os.write(ready_write, b"ready\n")
            os.close(ready_write)

        serve_forks(path, fork, ready)  # exits the process
    except BaseException:
        traceback.print_exc()
    os._exit(1)


def preload_server() -> None:
    """Import SERVER_PRELOAD; no thread may be left running (a fork keeps only its caller)."""
    for name in SERVER_PRELOAD:
        importlib.import_module(name)
    if threading.active_count() != 1:
        raise RuntimeError(f"threads running after the server preload: {threading.enumerate()}")
