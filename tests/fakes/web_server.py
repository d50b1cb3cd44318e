"""A local web for the web tools' tests (standard library only), on 127.0.0.1.

    with WebServer() as web:
        web.routes["/a"] = Page("<h1>Hi</h1>")
        web.routes["/old"] = Redirect("/a")
        os.environ["BRAVE_SEARCH_API_URL"] = web.url + BRAVE_PATH

Routes: `Page` (a body, its type, status and headers), `Redirect` (optionally setting a
cookie), `Stream` (a body of `total` bytes sent in chunks with no length, stopping when the
client hangs up), `Slow` (answers after `seconds`, or at once when the server stops).
The search APIs answer from `.results` ([{title, url, snippet}]) in each provider's shape:
Brave (GET, X-Subscription-Token), Tavily (POST JSON, Bearer key), SearXNG (GET,
format=json, else 403). `.search_status` forces an error status (e.g. 429) on all three.
Every request is recorded in `.requests`. `ClosingPort` accepts connections and drops them;
`localhost_tls` makes a certificate for an HTTPS server (`ssl_context=`).
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

BRAVE_PATH = "/brave/res/v1/web/search"
TAVILY_PATH = "/tavily/search"
SEARXNG_PATH = "/searxng"


@dataclass
class Page:
    body: bytes | str
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Redirect:
    location: str
    status: int = 302
    set_cookie: str | None = None


@dataclass
class Stream:
    total: int
    content_type: str = "text/plain"
    chunk: bytes = b"All work and no play makes a long page.\n" * 1000
    sent: int = 0  # bytes written so far
    done: threading.Event = field(default_factory=threading.Event)  # set when it stops


@dataclass
class Slow:
    seconds: float
    body: str = "<p>finally</p>"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class WebServer:
    routes: dict[str, Page | Redirect | Stream | Slow] = field(default_factory=dict)
    results: list[dict[str, str]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # provider -> the key it accepts
    search_status: int | None = None
    ssl_context: ssl.SSLContext | None = None
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        if self.ssl_context is not None:
            self._httpd.socket = self.ssl_context.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def __enter__(self) -> WebServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def sent_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    # -- search APIs ----------------------------------------------------------------------------

    def search(self, path: str, request: Recorded) -> tuple[int, Any]:
        if self.search_status is not None:
            return self.search_status, {"error": "forced"}
        if path == BRAVE_PATH:
            if request.headers.get("x-subscription-token") != self.keys.get("brave"):
                return 401, {"error": "bad token"}
            count = int(request.query.get("count", 20))
            rows = [
                {"title": r["title"], "url": r["url"], "description": r["snippet"]}
                for r in self.results[:count]
            ]
            return 200, {"type": "search", "web": {"results": rows}}
        if path == TAVILY_PATH:
            if request.headers.get("authorization") != f"Bearer {self.keys.get('tavily')}":
                return 401, {"detail": {"error": "Unauthorized"}}
            asked = json.loads(request.body or b"{}")
            rows = [
                {"title": r["title"], "url": r["url"], "content": r["snippet"], "score": 0.5}
                for r in self.results[: int(asked.get("max_results", 5))]
            ]
            return 200, {"query": asked.get("query"), "results": rows}
        if request.query.get("format") != "json":
            return 403, {"error": "format not allowed"}
        rows = [
            {"title": r["title"], "url": r["url"], "content": r["snippet"]} for r in self.results
        ]
        return 200, {"query": request.query.get("q"), "results": rows}


class _Handler(BaseHTTPRequestHandler):
    server: Any
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the body never waits for the ACK of the headers

    def log_message(self, *_args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def answer(self) -> None:
        try:
            self.route()
        except OSError:
            self.close_connection = True  # the client hung up (a timeout, a size cap)

    def route(self) -> None:
        owner: WebServer = self.server.owner
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Recorded(
            self.command,
            split.path,
            {k: v[0] for k, v in parse_qs(split.query).items()},
            {k.lower(): v for k, v in self.headers.items()},
            self.rfile.read(length) if length else b"",
        )
        owner.requests.append(request)
        if split.path in (BRAVE_PATH, TAVILY_PATH) or split.path.startswith(SEARXNG_PATH):
            status, data = owner.search(split.path, request)
            return self.send(status, json.dumps(data).encode(), "application/json", {})
        route = owner.routes.get(split.path)
        if isinstance(route, Page):
            body = route.body.encode() if isinstance(route.body, str) else route.body
            return self.send(route.status, body, route.content_type, route.headers)
        if isinstance(route, Redirect):
            extra = {"Location": route.location}
            if route.set_cookie:
                extra["Set-Cookie"] = route.set_cookie
            return self.send(route.status, b"", "text/plain", extra)
        if isinstance(route, Stream):
            return self.stream(route)
        if isinstance(route, Slow):
            owner.stopping.wait(route.seconds)
            return self.send(200, route.body.encode(), "text/html", {})
        return self.send(404, b"<h1>Not found</h1>", "text/html", {})

    def send(self, status: int, body: bytes, content_type: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def stream(self, route: Stream) -> None:
        """`total` bytes without a Content-Length, until done or the client goes away."""
        self.send_response(200)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            while route.sent < route.total and not self.server.owner.stopping.is_set():
                piece = route.chunk[: route.total - route.sent]
                self.wfile.write(piece)
                route.sent += len(piece)
        except OSError:
            pass  # the client stopped reading: what a size cap does
        finally:
            route.done.set()


class ClosingPort:
    """A port on 127.0.0.1 that accepts every connection and closes it at once."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self._stop = threading.Event()
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.accepted = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def __enter__(self) -> ClosingPort:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


def localhost_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for a self-signed certificate naming only `localhost`, and the
    certificate's file (trust it with SSL_CERT_FILE). Needs `cryptography`."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "localhost.pem", directory / "localhost.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file
