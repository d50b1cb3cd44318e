"""A throwaway `redis-server` (Debian's package) on a free loopback port.

server = RedisServer.start()     # no persistence, its own temp dir
server.url                       # redis://127.0.0.1:<port>/0
server.halt(); server.resume()   # Redis goes away, and comes back on the same port
server.stop()                    # stopped, temp dir removed
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes.postgres import free_port

START_TIMEOUT_S = 30.0


@dataclass
class RedisServer:
    root: Path
    port: int
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def start(cls) -> RedisServer:
        if shutil.which("redis-server") is None:
            raise FileNotFoundError("redis-server not found")
        server = cls(Path(tempfile.mkdtemp(prefix="ml-intern-redis-")), free_port())
        server.resume()
        return server

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def resume(self) -> None:
        """Start the server (again); returns once it answers PING."""
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.root), "--maxclients", "4000"]  # fmt: skip
        log = (self.root / "log").open("ab")
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.root / "log").read_text(errors="replace")[-2000:])
            time.sleep(0.02)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def halt(self) -> None:
        """Stop the server at once (SIGKILL): Redis 'goes away'."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        try:
            self.halt()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    """A started server, stopped on exit; skipped outside CI when Redis is absent."""
    import pytest

    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing in CI: .ci/run installs it")
        pytest.skip("Redis is not installed (apt-get install redis-server)")
    server = RedisServer.start()
    try:
        yield server
    finally:
        server.stop()
