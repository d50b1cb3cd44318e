"""What a server where people sign in serves: the page's routes, and nothing else.

The LangGraph server answers far more than the page uses: `/internal/*` (a thread's whole
conversation, truncating every thread), `/docs`, `/openapi.json`, the store, crons,
assistants, MCP, A2A... each a way around the per-person checks of serve/auth.py. So with
sign-in on, a request whose method and path are not on PAGE_ROUTES answers 404 here, before
LangGraph sees it. A route LangGraph adds later is off until someone puts it on the list.

At start the gate writes the server's whole route table, with what it serves, to
`$ML_INTERN_HOME/web/routes.json`: what an operator (and the isolation tests) can check.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from configs.environment import ml_intern_home
from tools.hub import user_tokens

THREAD = "/threads/{thread_id}"
PAGE_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/"),
    ("GET", "/ok"),
    ("GET", "/web/{path:path}"),  # the page's files, /web/info, /web/models
    ("POST", "/web/threads/{thread_id}/undo"),
    ("POST", "/web/threads/{thread_id}/settings"),
    ("POST", "/web/threads/{thread_id}/settle"),
    ("GET", "/web/threads/{thread_id}/experiments"),  # under /web/ too; named for clarity
    ("GET", "/web/threads/{thread_id}/waiting"),  # why a run has not started (run_admission)
    ("GET", "/web/threads/{thread_id}/figures/{name}"),  # a python result's image
    ("GET", "/oauth/login"),
    ("GET", "/oauth/callback"),
    ("POST", "/oauth/logout"),
    ("GET", "/oauth/me"),
    ("POST", "/threads"),
    ("POST", "/threads/search"),
    ("GET", THREAD),
    ("PATCH", THREAD),
    ("DELETE", THREAD),
    ("POST", f"{THREAD}/copy"),
    ("GET", f"{THREAD}/state"),
    ("GET", f"{THREAD}/runs"),
    ("POST", f"{THREAD}/runs/stream"),
    ("POST", f"{THREAD}/runs/wait"),
    ("GET", f"{THREAD}/runs/{{run_id}}/stream"),
    ("POST", f"{THREAD}/runs/{{run_id}}/cancel"),
)
NOT_HERE = "Not found: this server serves only what its page uses."


def _compiled(routes: tuple[tuple[str, str], ...]) -> list[tuple[str, re.Pattern[str]]]:
    return [(method, compile_path(path)[0]) for method, path in routes]


ALLOWED = _compiled(PAGE_ROUTES)


def page_uses(method: str, path: str) -> bool:
    """True if the page needs `method path` (HEAD counts as GET)."""
    method = "GET" if method == "HEAD" else method
    return any(m == method and pattern.match(path) for m, pattern in ALLOWED)


def route_table(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path template) for every route of an app, mounted and included ones too; a
    WebSocket route's method is "WEBSOCKET", a mounted app without routes is "GET"."""
    for route in routes:
        if isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                yield method, prefix + route.path
        elif isinstance(route, WebSocketRoute):
            yield "WEBSOCKET", prefix + route.path
        elif (included := getattr(route, "original_router", None)) is not None:
            # FastAPI's included router (Aegra's API): its routes under the include's prefix
            context = getattr(route, "include_context", None)
            inner_prefix = prefix + (getattr(context, "prefix", "") or "")
            yield from route_table(list(included.routes), inner_prefix)
        elif isinstance(route, Mount):
            inner = route.routes  # the mounted app's own routes, under any middleware
            if inner:
                yield from route_table(list(inner), prefix + route.path)
            else:
                yield "GET", prefix + route.path + "/{path:path}"


def write_table(app: object, path: Path) -> None:
    """Blocking: the app's whole route table, each marked served or not, as JSON."""
    rows = [
        {"method": method, "path": template, "served": page_uses(method, example(template))}
        for method, template in dict.fromkeys(route_table(list(getattr(app, "routes", []))))
        if method != "HEAD"
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1) + "\n")


def example(template: str) -> str:
    """A concrete path for a template (each parameter a plain word), to test it against."""
    return re.sub(r"\{[^}]+\}", "x", template)


class RouteAllowlist:
    """Pure ASGI middleware, inert unless people sign in: 404 for what the page does not use."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not user_tokens.people_sign_in():
            await self.app(scope, receive, send)
            return
        if scope["type"] == "lifespan":
            table = ml_intern_home() / "web" / "routes.json"
            await asyncio.to_thread(write_table, scope.get("app"), table)
        elif scope["type"] == "websocket":
            await receive()  # websocket.connect: closed before it is accepted
            await send({"type": "websocket.close", "code": 1008})
            return
        elif scope["type"] == "http" and not page_uses(scope["method"], scope["path"]):
            await JSONResponse({"detail": NOT_HERE}, status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)
