"""A fork server for tests that kill agent processes: import the agent once, fork per run.

Importing litellm and the graph costs seconds per process; a forked child inherits the
imports and starts in milliseconds. The server is single-threaded and never runs an event
loop, so forking it is safe. The server itself is forked from the CLI zygote
(tests/fakes/cli_zygote.py), which has imported the libraries already: its own preload only
adds what a run needs beyond them (~7 s of CPU in a fresh interpreter, ~1 s forked).

    with ForkServer() as server:
        child = server.spawn("tests.faults.session_child:main", {...spec...})
        child.wait_for(lambda event: event["type"] == "tool_log")
        child.kill()                        # SIGKILL, then read to EOF

Protocol: the test connects to the server's Unix socket and sends one JSON line
`{"target": "module:function", "spec": {...}, "log": path}`. The server forks; the child
writes `{"type": "started", "pid": ...}`, then calls `function(spec, emit)` where `emit(dict)`
writes one JSON line to that connection, and ends with `{"type": "exit", "code": n}` (or
`{"type": "crash", ...}`). The connection reaches EOF when the child dies, however it dies.
The child's stdout and stderr go to `log`. The server exits when its stdin closes (the test
process ended), killing any child still running.

    python -m tests.faults.forkserver SOCKET_PATH
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.fakes.cli_zygote import Where, Zygote, ZygotePopen
from tests.fakes.fork_loop import serve_forks
from tests.fakes.os_threads import require_one_thread

REPO = Path(__file__).resolve().parents[2]
Event = dict[str, Any]
Emit = Callable[[Event], None]

# --- the server process ---------------------------------------------------------------------


def preload() -> None:
    """Import and warm up everything a run needs, without starting threads or loops."""
    import configs  # noqa: F401  (offline litellm settings first)
    import store.thread_lock  # noqa: F401
    from nodes.deps import AgentDeps
    from tests.fakes.agent import fast_settings
    from tests.faults import session_child  # noqa: F401
    from tools.families import build_catalog
    from tools.secrets import rules

    settings = fast_settings("http://127.0.0.1:9")
    deps = AgentDeps(settings=settings, catalog=build_catalog(settings), home=Path("/nonexistent"))
    deps.warm_up()  # litellm, the chat model class, the prompt template, the tokenizer
    rules.warm_up()  # the secret rules (~0.4 s of CPU in each run that masks a text)
    require_one_thread("after preload")


def serve(socket_path: str) -> None:
    preload()
    serve_forks(socket_path, _fork_child)


def _fork_child(listener: socket.socket, conn: socket.socket) -> int:
    conn.setblocking(True)
    request = json.loads(_read_line(conn))
    pid = os.fork()  # serve_forks found one thread running (tests/fakes/fork_loop.py)
    if pid:
        return pid
    # The child: a fresh process image as far as the run can tell.
    code = 1
    try:
        listener.close()
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _redirect_output(request.get("log") or os.devnull)
        emit = _emitter(conn)
        emit({"type": "started", "pid": os.getpid()})
        module, _, name = request["target"].partition(":")
        try:
            code = int(getattr(importlib.import_module(module), name)(request["spec"], emit) or 0)
            emit({"type": "exit", "code": code})
        except BaseException as exc:
            emit({"type": "crash", "error": repr(exc), "traceback": traceback.format_exc()})
            code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _redirect_output(path: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.close(devnull)


def _emitter(conn: socket.socket) -> Emit:
    lock = threading.Lock()

    def emit(event: Event) -> None:
        line = (json.dumps(event, default=str) + "\n").encode()
        with lock, contextlib.suppress(OSError):
            conn.sendall(line)

    return emit


# --- the test side --------------------------------------------------------------------------


class Child:
    """One forked run: its pid and the JSON events it writes, read with timeouts."""

    def __init__(self, sock: socket.socket, label: str) -> None:
        self.sock = sock
        self.label = label
        self.events: list[Event] = []
        self._buffer = b""
        self._eof = False
        first = self.next_event(timeout=30)
        if first is None or first.get("type") != "started":
            raise RuntimeError(f"{label}: the fork server did not start a child: {first}")
        self.pid = int(first["pid"])

    @property
    def exited(self) -> bool:
        return self._eof

    def next_event(self, timeout: float) -> Event | None:
        """The next event, or None at EOF (the child is gone). Raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            if self._eof:
                return None
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise TimeoutError(f"{self.label}: no event within {timeout:g} s; {self.tail()}")
            chunk = self.sock.recv(65536)
            if not chunk:
                self._eof = True
                self.sock.close()
                continue
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        event = json.loads(line)
        self.events.append(event)
        return event

    def drain(self) -> bool:
        """Read whatever events are already there, without waiting; False once at EOF."""
        while not self._eof and (b"\n" in self._buffer or select.select([self.sock], [], [], 0)[0]):
            if self.next_event(timeout=1) is None:
                break
        return not self._eof

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 30) -> Event:
        """Read events until one matches; fails if the child ends or goes quiet first."""
        for event in self.events:
            if predicate(event):
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self.next_event(timeout=max(0.0, deadline - time.monotonic()))
            if event is None:
                raise AssertionError(f"{self.label} ended before the expected event; {self.tail()}")
            if predicate(event):
                return event

    def finish(self, timeout: float = 60) -> list[Event]:
        """Every event up to EOF."""
        deadline = time.monotonic() + timeout
        while self.next_event(timeout=max(0.0, deadline - time.monotonic())) is not None:
            pass
        return self.events

    def kill(self) -> None:
        """SIGKILL now; then read what was already written, up to EOF."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.finish(timeout=10)

    def exit_code(self) -> int | None:
        last = self.events[-1] if self.events else {}
        return int(last["code"]) if last.get("type") == "exit" else None

    def tail(self, n: int = 8) -> str:
        return f"last events: {json.dumps(self.events[-n:], default=str)[:4000]}"


class ServerPopen(ZygotePopen):
    """`python -m tests.faults.forkserver` forked from this process's own CLI zygote: under
    xdist the fork server is the controller's, started while its broker answers a worker (a
    zygote asked of that broker would wait on itself)."""

    def _zygote(self, kind: str) -> Where:
        return Zygote.started(kind).where()


class ForkServer:
    """Starts `python -m tests.faults.forkserver` and forks children from it."""

    proc: subprocess.Popen[bytes] | None

    @classmethod
    def attached(cls, socket_path: str) -> ForkServer:
        """One that another process started and will stop (under xdist, the controller)."""
        server = cls.__new__(cls)
        server.socket_path, server.proc, server._ready = socket_path, None, True
        return server

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mlfork-"))  # short: Unix socket paths are capped
        self.socket_path = str(self.dir / "fork.sock")
        self.proc = ServerPopen(
            [sys.executable, "-m", "tests.faults.forkserver", self.socket_path],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(self.dir / "server.log", "wb"),  # noqa: SIM115 - closed with the process
        )
        self._ready = False

    def wait_ready(self, timeout: float = 120) -> None:
        if self._ready:
            return
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else b""
        if line.strip() != b"ready":
            log = (self.dir / "server.log").read_text(errors="replace")[-4000:]
            raise RuntimeError(f"the fork server did not start ({line!r}):\n{log}")
        self._ready = True

    def spawn(
        self, spec: dict[str, Any], *, target: str = "tests.faults.session_child:main", label: str
    ) -> Child:
        self.wait_ready()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self.socket_path)
        log = spec.get("log") or os.devnull
        sock.sendall((json.dumps({"target": target, "spec": spec, "log": log}) + "\n").encode())
        return Child(sock, label)

    def close(self) -> None:
        if self.proc is None:
            return  # attached: its owner stops it
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()  # the server kills its children and exits
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


if __name__ == "__main__":
    serve(sys.argv[1])
