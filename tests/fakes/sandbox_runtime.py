"""A local stand-in for a sandbox Space's runtime: the real app (tools/hub/sandbox_app.py)
served on 127.0.0.1, its commands run as local processes in a temporary work directory.

    with FakeSandboxRuntime(tmp_path / "work", keys=hub.sandbox_keys, token=hub.token) as rt:
        monkeypatch.setenv("ML_INTERN_SANDBOX_URL", rt.url)

It accepts any key `keys()` returns (the fake Hub's Space secrets), records every request in
`requests` (method, path, lower-cased headers, as they reach the Space's proxy). With `token`
set it also does what the proxy of a private Space does: no `X-HF-Authorization: Bearer
<token>` gets 404 (the Space is hidden), a wrong one 401, and that header is removed before
the runtime sees the request (an `Authorization` header would reach the runtime, as on the
real proxy). It misbehaves on demand: `drop_after = n`
breaks the connection after n output lines of a command (the command is then killed, as the
real runtime does when its client goes away); `redirect_to = url` answers every request with
a redirect there.

`OffMachineTrap` stands in for every host off this machine: point HTTP(S)_PROXY at it (with
NO_PROXY=127.0.0.1) and any request meant for, say, https://a-b-c.hf.space arrives here as
`CONNECT a-b-c.hf.space:443`, is recorded in `seen` and goes no further.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.loopback import serve, stop, url_of
from tools.hub.sandbox_app import KEY_HEADER, RuntimeHandler, SandboxServer

PROXY_TOKEN = "X-HF-Authorization"  # what the Spaces proxy checks and removes


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
            self.answer(302, {"Location": self.fake.redirect_to})
            return
        if self.fake.token is not None:
            given = self.headers.get(PROXY_TOKEN)
            if given != f"Bearer {self.fake.token}":
                self.answer(404 if given is None else 401)
                return
            del self.headers[PROXY_TOKEN]  # the proxy consumes it: the runtime never sees it
        super().route(method)

    def answer(self, status: int, headers: dict[str, str] | None = None) -> None:
        """What the Space's proxy answers by itself: no body the runtime wrote."""
        self.close_connection = True
        self.send_response(status)
        for name, value in {**(headers or {}), "Content-Length": "0"}.items():
            self.send_header(name, value)
        self.end_headers()

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
    def __init__(
        self, workdir: Path, keys: Callable[[], set[str]] = set, token: str | None = None
    ) -> None:
        self.workdir = Path(workdir)
        self.accepted_keys = keys
        self.token = token  # the private Space's proxy wants it; None: no proxy check
        self.requests: list[Seen] = []
        self.drop_after: int | None = None
        self.redirect_to: str | None = None
        self.gpu: list[str] = []  # what /health reports (the machine's own GPUs are not asked)
        self.lock = threading.Lock()
        self._httpd: _Server | None = None

    @property
    def url(self) -> str:
        return url_of(self._httpd, "FakeSandboxRuntime")

    def __enter__(self) -> FakeSandboxRuntime:
        self.workdir.mkdir(parents=True, exist_ok=True)
        server = _Server(("127.0.0.1", 0), "", self.workdir, _Handler, gpu=self.gpu)
        self._httpd = serve(server, fake=self)
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self._httpd)


class _TrapHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(1000).decode("latin-1").strip()
        with self.server.trap.lock:  # type: ignore[attr-defined]
            self.server.trap.seen.append(line)  # type: ignore[attr-defined]


class OffMachineTrap:
    """A proxy that forwards nothing: the first line of each request it gets, in `seen`."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.lock = threading.Lock()
        self._server: socketserver.ThreadingTCPServer | None = None

    @property
    def url(self) -> str:
        return url_of(self._server, "OffMachineTrap")

    def __enter__(self) -> OffMachineTrap:
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _TrapHandler)
        self._server = serve(server, trap=self)
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self._server)
