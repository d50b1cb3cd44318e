"""A local "Sign in with Hugging Face" (OAuth 2 / OpenID) provider for tests, on 127.0.0.1.

    with FakeOAuth(client_id="cid", client_secret="csecret") as provider:
        provider.users["alice"] = FakeUser("u-alice", "alice", "hf_oauth_alice_...")
        provider.next_user = "alice"  # who "signs in" at the next authorize
        env["OPENID_PROVIDER_URL"] = provider.url

Endpoints, with the Hub's shapes: `/oauth/authorize` (no login page: it redirects straight
back to `redirect_uri` with a one-time code for `next_user` and the `state`), `/oauth/token`
(client id and secret as Basic auth, the code once, the same redirect_uri, the PKCE verifier
when a challenge was sent), `/oauth/userinfo` (Bearer access token) and
`/.well-known/openid-configuration`. Every request is recorded in `.requests`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass(frozen=True)
class FakeUser:
    sub: str
    username: str
    token: str  # the OAuth access token the provider hands out for them


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class _Grant:
    user: FakeUser
    redirect_uri: str
    challenge: str | None


@dataclass
class FakeOAuth:
    client_id: str = "fake-client-id"
    client_secret: str = "fake-client-secret"
    users: dict[str, FakeUser] = field(default_factory=dict)
    next_user: str | None = None
    expires_in: int = 28800  # the lifetime of the access tokens it hands out, in seconds
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> FakeOAuth:
        thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def sent_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    # --- endpoints: (status, headers, JSON body or None) ----------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {}, {"error": "invalid_request"}
        user = self.users.get(self.next_user or "")
        if user is None:
            back = {"error": "access_denied", "state": query.get("state", "")}
            return 302, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"}, None
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._grants[code] = _Grant(
                user, query["redirect_uri"], query.get("code_challenge") or None
            )
        back = {"code": code, "state": query.get("state", "")}
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"}, None

    def token(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, Any]:
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if headers.get("authorization") != f"Basic {basic}":
            return 401, {"error": "invalid_client"}
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        if grant.challenge is not None:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).decode().rstrip("=") != grant.challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        return 200, {
            "access_token": grant.user.token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": "openid profile inference-api",
            "id_token": "not-checked-by-the-app",
        }

    def userinfo(self, headers: dict[str, str]) -> tuple[int, Any]:
        given = headers.get("authorization", "")
        for user in self.users.values():
            if given == f"Bearer {user.token}":
                return 200, {
                    "sub": user.sub,
                    "name": user.username.title(),
                    "preferred_username": user.username,
                    "picture": "",
                }
        return 401, {"error": "invalid_token"}

    def discovery(self) -> dict[str, str]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/oauth/authorize",
            "token_endpoint": f"{self.url}/oauth/token",
            "userinfo_endpoint": f"{self.url}/oauth/userinfo",
        }


class _Handler(BaseHTTPRequestHandler):
    server: Any
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the body never waits for the ACK of the headers

    def log_message(self, *_args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.route()

    def do_POST(self) -> None:
        self.route()

    def route(self) -> None:
        owner: FakeOAuth = self.server.owner
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        owner.requests.append(Recorded(self.command, split.path, query, headers, form))
        extra: dict[str, str] = {}
        if split.path == "/oauth/authorize" and self.command == "GET":
            status, extra, body = owner.authorize(query)
        elif split.path == "/oauth/token" and self.command == "POST":
            status, body = owner.token(headers, form)
        elif split.path == "/oauth/userinfo":
            status, body = owner.userinfo(headers)
        elif split.path == "/.well-known/openid-configuration":
            status, body = 200, owner.discovery()
        else:
            status, body = 404, {"error": "not found"}
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
