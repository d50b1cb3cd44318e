"""Web pages the user has open must not drive the server: a check on `Origin` and `Host`.

A loopback server with no token is reachable from any page in the user's browser: the
LangGraph server allows every origin (CORS `*`), answers private-network preflights, and a
"simple" cross-site POST needs no preflight at all; DNS rebinding (`evil.example` resolving
to 127.0.0.1) even makes it same-origin. So a request is refused (403) when it carries an
`Origin` that is neither the server itself nor one named in `ML_INTERN_ALLOWED_ORIGINS`
(LangGraph Studio's, for `ml-intern studio`), or a `Host` outside `ML_INTERN_ALLOWED_HOSTS`
when that is set (the CLI sets it for loopback binds). Requests without `Origin` come from
the SDK, curl or the CLI, not from a page, and pass.
"""

from __future__ import annotations

import os

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

ORIGINS_ENV = "ML_INTERN_ALLOWED_ORIGINS"
HOSTS_ENV = "ML_INTERN_ALLOWED_HOSTS"
STUDIO_ORIGIN = "https://smith.langchain.com"


def env_list(name: str) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in os.environ.get(name, "").split(",") if v.strip())


def loopback_hosts(host: str, port: int) -> str:
    """The `Host` values a browser sends to a server bound to loopback `host` on `port`."""
    bound = f"[{host}]" if ":" in host else host
    names = dict.fromkeys(("127.0.0.1", "localhost", "[::1]", bound))
    return ",".join(f"{name}:{port}" for name in names)


def refusal(scope: Scope, origins: frozenset[str], hosts: frozenset[str]) -> str | None:
    """Why this request is refused, or None."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    host = headers.get("host", "").lower()
    if hosts and host not in hosts:
        return f"the Host {host!r} is not this server's address"
    origin = headers.get("origin", "").lower()
    if not origin or origin in origins:
        return None
    if origin.partition("://")[2] == host:
        return None  # the server's own page
    return f"requests from {origin} are not accepted"


class OriginGate:
    """Pure ASGI middleware: 403 for a foreign `Origin` or `Host` (see the module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.origins = env_list(ORIGINS_ENV)
        if space := os.environ.get("SPACE_HOST"):  # a Space's page, whatever Host the proxy sends
            self.origins |= {f"https://{space.lower()}"}
        self.hosts = env_list(HOSTS_ENV)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = scope["type"] in ("http", "websocket")  # a WebSocket can start runs too
        why = refusal(scope, self.origins, self.hosts) if guarded else None
        if why is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await refuse_websocket(receive, send)
        else:
            message = (
                f"ml-intern: refused: {why}. Open the address `ml-intern studio` or `ml-intern "
                f"web` printed; to allow another site, add its origin to {ORIGINS_ENV}."
            )
            await PlainTextResponse(message, status_code=403)(scope, receive, send)


async def refuse_websocket(receive: Receive, send: Send) -> None:
    """Close the handshake before accepting it: the client sees HTTP 403."""
    await receive()  # websocket.connect
    await send({"type": "websocket.close", "code": 1008})
