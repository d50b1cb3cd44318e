"""A local Slack Web API for tests (standard library only): `chat.postMessage`.

    with SlackServer() as slack:
        os.environ["ML_INTERN_SLACK_API_URL"] = slack.url   # ends with /api/
        ...
        slack.messages  # [{"token", "channel", "text", ...}, ...]

`responses` is a queue of scripted answers used before the normal one, e.g.
`slack.responses.append((429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"}))`;
channels in `missing_channels` answer `channel_not_found`; `delay` slows every answer.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class SlackServer:
    messages: list[dict[str, Any]] = field(default_factory=list)
    responses: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    missing_channels: set[str] = field(default_factory=set)
    delay: float = 0.0
    attempts: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._httpd.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(  # stopping waits one poll: 0.5 s by default
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/api/"

    def __enter__(self) -> SlackServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The messages once at least `count` have arrived (or whatever came by `timeout`)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.messages)

    def answer(self, method: str, token: str, body: dict[str, Any]) -> Any:
        with self._lock:
            self.attempts += 1
            if self.responses:
                return self.responses.pop(0)
        if method != "chat.postMessage":
            return 404, {"ok": False, "error": "unknown_method"}, {}
        if not token.startswith("xoxb-"):
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if body.get("channel") in self.missing_channels:
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        with self._lock:
            self.messages.append({"token": token, **body})
        return 200, {"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}"}, {}


class _Handler(BaseHTTPRequestHandler):
    server: Any
    disable_nagle_algorithm = True  # the body never waits for the ACK of the headers

    def log_message(self, *_args: Any) -> None:
        pass

    def do_POST(self) -> None:
        owner: SlackServer = self.server.owner
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if "json" in (self.headers.get("Content-Type") or ""):
            body = json.loads(raw or "{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw).items()}
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if owner.delay and owner._stopping.wait(owner.delay):
            return
        method = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        status, payload, headers = owner.answer(method, token, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
