"""HTTP plumbing of the fake Hub: requests, responses with the Hub's error shape, the handler."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, [default])[0]

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    ctype: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def reply(obj: Any, status: int = 200, **headers: str) -> Response:
    return Response(status, json.dumps(obj).encode(), "application/json", headers)


def error(status: int, message: str, code: str | None = None) -> Response:
    headers = {"X-Error-Message": message, **({"X-Error-Code": code} if code else {})}
    return reply({"error": message}, status, **headers)


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def sha(*parts: Any) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm the body waited for the
    # client's delayed ACK of the headers, 40 ms a request (a sandbox's create took 0.5 s).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the access log."""

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.command, parts.path, parse_qs(parts.query), headers, body)
        result = self.server.hub.handle(req)  # type: ignore[attr-defined]
        if callable(result):
            self.close_connection = True
            with contextlib.suppress(OSError):
                result(self)
            return
        self.send_response(result.status)
        self.send_header("Content-Type", result.ctype)
        self.send_header("Content-Length", str(len(result.body)))
        for key, value in result.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(result.body)

    do_GET = do_POST = do_PUT = do_DELETE = _serve
