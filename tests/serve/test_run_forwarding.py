"""Relaying a request about another server's run: only what this server accepted goes, with
the caller's credentials, to the holder the database names; never twice; a silent holder
is said to be so. (The holder is a local HTTP server that records what reaches it.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from serve.app import TokenGate
from serve.app import app as web_app
from serve.run_forwarding import RunForwarding
from store import live_runs
from tests.fakes.loopback import serve, stop, url_of

THREAD = "11111111-2222-4333-8444-555555555555"
RUN = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
TOKEN = "team-token"


class Holder(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))  # type: ignore[attr-defined]
        body = b"event: values\ndata: from the holder\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def holder() -> Iterator[ThreadingHTTPServer]:
    server = serve(ThreadingHTTPServer(("127.0.0.1", 0), Holder), seen=[])
    yield server
    stop(server)


@pytest.fixture
def client(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ML_INTERN_DATABASE_URL", pg_url)
    app = Starlette(middleware=[Middleware(TokenGate, token=TOKEN), Middleware(RunForwarding)])
    with TestClient(app) as test_client:
        yield test_client


def test_a_run_of_another_server_is_relayed_only_for_a_caller_this_server_accepts(
    pg_url: str, holder: ThreadingHTTPServer, client: TestClient
) -> None:
    live_runs.beat(pg_url, "holder", url_of(holder, "holder"), "ml-intern:elsewhere:1")
    live_runs.hold(pg_url, RUN, THREAD, "holder", None, {})
    stream = f"/threads/{THREAD}/runs/{RUN}/stream?stream_mode=values"

    refused = client.get(stream)  # no token: refused here, nothing reaches the holder
    assert refused.status_code == 401 and holder.seen == []  # type: ignore[attr-defined]

    relayed = client.get(stream, headers={"Authorization": f"Bearer {TOKEN}"})
    assert relayed.status_code == 200 and "from the holder" in relayed.text
    ((path, headers),) = holder.seen  # type: ignore[attr-defined]
    assert path == stream and headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["x-ml-intern-relayed"] == "1"

    # A request that says it was relayed already is answered here (no loops between servers).
    again = client.get(
        stream, headers={"Authorization": f"Bearer {TOKEN}", "x-ml-intern-relayed": "1"}
    )
    assert again.status_code == 404 and len(holder.seen) == 1  # type: ignore[attr-defined]

    # The holder went silent: a sentence, not a hang or a 404.
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("UPDATE ml_intern_servers SET heartbeat = now() - interval '1 hour'")
    silent = client.get(stream, headers={"Authorization": f"Bearer {TOKEN}"})
    assert silent.status_code == 503 and "takes its run over" in json.loads(silent.text)["detail"]


def test_the_relay_sits_behind_every_access_check() -> None:
    order = [m.cls.__name__ for m in web_app.user_middleware]
    relay = order.index("RunForwarding")
    assert all(
        order.index(gate) < relay
        for gate in ("OriginGate", "RouteAllowlist", "TokenGate", "SignInGate")
    )
