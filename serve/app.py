"""The web UI, mounted into the LangGraph server (`langgraph.json`: `"http": {"app": ...}`).

The server merges this app's routes ahead of its own and runs its middleware on every
request, the server's REST API included. So the page at `/`, its assets under `/web/`,
and `/threads`, `/runs`... all sit behind one check: when `ML_INTERN_WEB_TOKEN` is set,
a request needs the token (`Authorization: Bearer T`, the `ml_intern_token` cookie, or
`?token=T` once, which sets the cookie). `/ok` stays open for health checks.
No site may frame the page, except the Hub on a Space (people sign in there).
"""

from __future__ import annotations

import asyncio
import hmac
import os
from pathlib import Path
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from serve.body_cap import BodyCap
from serve.disk_full import DiskFull
from serve.oauth import ROUTES as SIGN_IN_ROUTES
from serve.oauth import Provider, SignInGate
from serve.origin_guard import OriginGate, refuse_websocket
from serve.person_run_cap import PersonRunCap
from serve.route_allowlist import RouteAllowlist
from serve.run_admission import ROUTES as WAITING_ROUTES
from serve.run_guard import RunGuard
from serve.sign_in_sessions import person_from_scope
from serve.thread_books import ThreadBooks
from serve.web_actions import ROUTES as ACTION_ROUTES
from serve.web_experiments import ROUTES as EXPERIMENT_ROUTES
from serve.web_figures import ROUTES as FIGURE_ROUTES
from tools.call_context import person_workspace

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
COOKIE = "ml_intern_token"
OPEN_PATHS = frozenset({"/ok"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors {frame}"
)
# Only a Space's page may be framed, and only by the Hub (which shows a Space in an iframe).
FRAME_ANCESTORS = {False: "'none'", True: "'self' https://huggingface.co"}


def page_headers(on_a_space: bool) -> dict[str, str]:
    return {
        "Content-Security-Policy": CSP.format(frame=FRAME_ANCESTORS[on_a_space]),
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
    }


def presented_token(scope: Scope) -> str | None:
    """The token a request carries: bearer header, cookie, or `?token=`; None if none."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return (query.get("token") or [None])[0]


class TokenGate:
    """Pure ASGI middleware (streams pass through untouched): 401 without the right token."""

    def __init__(self, app: ASGIApp, token: str | None = None) -> None:
        self.app = app
        self.token = token if token is not None else os.environ.get("ML_INTERN_WEB_TOKEN", "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = scope["type"] in ("http", "websocket")  # a WebSocket can start runs too
        if not guarded or not self.token or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = presented_token(scope) or ""
        if hmac.compare_digest(given.encode(), self.token.encode()):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await refuse_websocket(receive, send)
            return
        response = PlainTextResponse(
            "ml-intern web: this server needs its access token. Open the URL that "
            "`ml-intern web` printed (it ends in ?token=...).",
            status_code=401,
        )
        await response(scope, receive, send)


async def page(request: Request) -> FileResponse | RedirectResponse:
    """The single page; `?token=` becomes a cookie and leaves the address bar."""
    token = request.query_params.get("token")
    if token:
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response
    headers = page_headers(Provider.from_env() is not None)
    return FileResponse(WEB_DIR / "index.html", headers=headers)


async def info(request: Request) -> JSONResponse:
    """What the page needs to start runs: the graph's name and the served directory; and
    whether people sign in here (then `/oauth/me` says who)."""
    workspace = os.environ.get("ML_INTERN_WORKSPACE") or str(Path.cwd())
    sign_in = Provider.from_env() is not None
    if sign_in and (person := person_from_scope(request.scope)) is not None:
        # Their runs work in their own folder (tools/call_context.py): show that one.
        workspace = str(await asyncio.to_thread(person_workspace, person.identity))
    return JSONResponse({"assistant_id": "ml_intern", "workspace": workspace, "sign_in": sign_in})


app = Starlette(
    routes=[
        *SIGN_IN_ROUTES,  # inert unless people sign in with Hugging Face (a Space)
        Route("/", page, methods=["GET"]),
        Route("/web/info", info, methods=["GET"]),
        *ACTION_ROUTES,
        *EXPERIMENT_ROUTES,
        *FIGURE_ROUTES,
        *WAITING_ROUTES,
        Mount("/web", StaticFiles(directory=WEB_DIR), name="web"),
    ],
    middleware=[
        Middleware(BodyCap),  # before anything reads a body: past the cap, 413
        Middleware(DiskFull),  # a full disk is said as such, not as a bare 500
        Middleware(OriginGate),  # before anything: other websites must not drive this server
        Middleware(RouteAllowlist),  # where people sign in: only the routes the page uses
        Middleware(TokenGate),
        Middleware(SignInGate),
        Middleware(RunGuard),
        Middleware(ThreadBooks),  # the CLI's thread index and spill files, after a fork/delete
        Middleware(PersonRunCap),  # runs per person, where people sign in
    ],
)
