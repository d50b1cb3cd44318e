"""The loop of a process that forks test processes from its own preloaded state.

Single-threaded (one OS thread, checked before each fork), with no event loop, so forking it
is safe. It serves a Unix socket until its stdin closes (the test process ended), then kills
what it forked and exits.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

from tests.fakes.os_threads import require_one_thread


class Watched(NamedTuple):
    """A forked run the loop waits for itself (no process between it and the run), then
    reports on `conn` as `<exit code> <CPU seconds>\\n`: the code negative when a signal ended
    it, the CPU the run's and its reaped children's. A tied run is killed when its client hangs
    up first, as a process dies with the process group a SIGKILL ends."""

    pid: int
    conn: socket.socket
    tied: bool


# Given the listener (to close in the fork) and one client's connection: the forked pid (the
# loop closes the connection), or a Watched run (the loop keeps it to report the end on).
Fork = Callable[[socket.socket, socket.socket], "int | Watched"]


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
    ended: dict[int, tuple[int, float]] = {}  # reaped, not yet reported: exit code, CPU s
    runs: dict[int, Watched] = {}  # by the pidfd that becomes readable when the run ends

    def reap(_signum: int = 0, _frame: Any = None) -> None:
        with contextlib.suppress(ChildProcessError):
            while (child := os.wait4(-1, os.WNOHANG))[0] != 0:
                pid, status, usage = child
                forked.discard(pid)
                ended[pid] = (os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime)

    def report(run: Watched) -> None:
        if run.pid not in ended:
            reap()  # its SIGCHLD's handler may not have run yet
        code, cpu = ended.pop(run.pid)
        with contextlib.suppress(OSError):  # the client may be gone
            run.conn.sendall(f"{code} {cpu:.3f}\n".encode())
        run.conn.close()

    def watch(run: Watched) -> None:
        forked.add(run.pid)
        try:
            runs[os.pidfd_open(run.pid)] = run
        except ProcessLookupError:  # it has ended and been reaped already
            report(run)

    signal.signal(signal.SIGCHLD, reap)
    if isinstance(where, socket.socket):
        listener = where
    else:
        listener = listen(where)
        sys.stdout.write("ready\n")
        sys.stdout.flush()
    try:
        while True:
            tied = {run.conn: pidfd for pidfd, run in list(runs.items()) if run.tied}
            readable, _, _ = select.select([listener, sys.stdin, *runs, *tied], [], [])
            if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1024):
                return  # the test process is gone
            for pidfd in [fd for fd in readable if isinstance(fd, int)]:
                report(runs.pop(pidfd))
                os.close(pidfd)
            for conn in [c for c in readable if c in tied and tied[c] in runs]:
                pidfd = tied[conn]
                if not _received(conn):  # the client hung up: its run goes with it
                    with contextlib.suppress(ProcessLookupError):
                        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                    runs[pidfd] = runs[pidfd]._replace(tied=False)
            if listener in readable:
                conn, _ = listener.accept()
                require_one_thread("before a fork")
                child = fork(listener, conn)
                if isinstance(child, Watched):
                    watch(child)
                else:
                    conn.close()
                    forked.add(child)
            waited = {run.pid for run in runs.values()}
            for pid in [pid for pid in list(ended) if pid not in waited]:
                ended.pop(pid, None)  # a child nobody waits to hear of (a Hub zygote)
    finally:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for pid in list(forked):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in forked:  # reaped: their CPU counts for this process's parent
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        os._exit(0)  # skip tearing down everything preloaded


def _received(conn: socket.socket) -> bool:
    """Whether `conn`, readable, still has its client (a client sends nothing after its
    request: readable means it hung up)."""
    try:
        return bool(conn.recv(1))
    except OSError:
        return False
