"""A local stand-in for a sandbox Space's runtime: the real app (tools/hub/sandbox_app.py)
served on 127.0.0.1, its commands run as local processes in a temporary work directory.

    with FakeSandboxRuntime(tmp_path / "work", keys=hub.sandbox_keys) as runtime:
        monkeypatch.setenv("ML_INTERN_SANDBOX_URL", runtime.url)

It accepts any key `keys()` returns (the fake Hub's Space secrets), records every request in
`requests` (method, path, lower-cased headers), and misbehaves on demand: `drop_after = n`
breaks the connection after n output lines of a command (the command is then killed, as the
real runtime does when its client goes away); `redirect_to = url` answers every request with
a redirect there.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.hub.sandbox_app import KEY_HEADER, RuntimeHandler, SandboxServer


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class _Handler(RuntimeHandler):
    lines_sent = 0

    @property
    def fake(self) -> FakeSandboxRuntime:
        return self.server.fake  # type: ignore[attr-defined]

    def route(self, method: str) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.fake.lock:
            self.fake.requests.append(Seen(method, self.path, headers))
        if self.fake.redirect_to:
            self.close_connection = True
            self.send_response(302)
            self.send_header("Location", self.fake.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().route(method)

    def authorized(self) -> bool:
        return self.headers.get(KEY_HEADER, "") in self.fake.accepted_keys()

    def event(self, body: dict[str, Any]) -> None:
        if "out" in body:
            self.lines_sent += 1
            if self.fake.drop_after is not None and self.lines_sent > self.fake.drop_after:
                self.connection.shutdown(socket.SHUT_RDWR)
                raise ConnectionResetError("the test dropped the connection")
        super().event(body)


class _Server(SandboxServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A dropped connection is the point of some tests: no traceback on stderr."""


class FakeSandboxRuntime:
    def __init__(self, workdir: Path, keys: Callable[[], set[str]] = set) -> None:
        self.workdir = Path(workdir)
        self.accepted_keys = keys
        self.requests: list[Seen] = []
        self.drop_after: int | None = None
        self.redirect_to: str | None = None
        self.gpu: list[str] = []  # what /health reports (the machine's own GPUs are not asked)
        self.lock = threading.Lock()
        self._httpd: _Server | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "FakeSandboxRuntime not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> FakeSandboxRuntime:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._httpd = _Server(("127.0.0.1", 0), "", self.workdir, _Handler, gpu=self.gpu)
        self._httpd.fake = self  # type: ignore[attr-defined]
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
