"""Sign in with Hugging Face, for `ml-intern web` on a Space with `hf_oauth: true`.

The Space sets OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_SCOPES, OPENID_PROVIDER_URL and
SPACE_HOST; `ml-intern web` then starts the server with ML_INTERN_WEB_AUTH=oauth, and
serve/app.py mounts these routes and `SignInGate`:

- `/oauth/login` redirects to `$OPENID_PROVIDER_URL/oauth/authorize` with a random `state`
  and a PKCE challenge; the login itself (state, verifier, the page to return to, `?next=`)
  is kept by the browser alone, in a sealed short-lived cookie (serve/sign_in_logins.py), so
  only the browser that started can finish and anonymous logins push out nobody's.
- `/oauth/callback` checks the query's state against the cookie's, once, trades the code at `/oauth/token` (the client secret as
  Basic auth, plus the PKCE verifier), asks `/oauth/userinfo` who signed in, and sets the
  session cookie. `/oauth/logout` ends the session; `/oauth/me` says who is signed in.

Sessions (a random id in a signed cookie; the person and their token in the shared database,
or this process's memory without one) are kept by serve/sign_in_sessions.py: on a team server
a login may start on one replica and finish on another, and a cookie works on all of them.
Signed out, a browser asking for `/` gets the sign-in page and any other request a 401;
serve/auth.py tells the LangGraph API who is asking, from the same cookie.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from serve.sign_in_logins import (
    FINISHED,
    STATE_COOKIE,
    Login,
    LoginRefused,
    finish,
    sealed,
    under_way,
)
from serve.sign_in_sessions import (
    SESSION_COOKIE,
    Person,
    end_session,
    person_of,
    signed,
    signed_in,
    start_session,
    unsigned,
)
from store.sign_in_store import LOGIN_S
from tools.hub import user_tokens
from tools.tls import verifying_context

LOGIN_PATH, CALLBACK_PATH, LOGOUT_PATH, ME_PATH = (
    "/oauth/login",
    "/oauth/callback",
    "/oauth/logout",
    "/oauth/me",
)
OPEN_PATHS = frozenset({"/ok", LOGIN_PATH, CALLBACK_PATH, LOGOUT_PATH})
# Routes asked first whether the caller sees the thread: our own thread actions (they act on
# the store directly), and joining a run's stream (else a 200 with an error event inside).
CHECKED_THREAD_PATH = re.compile(
    r"^(?:/web/threads/|/threads/(?=[^/]+/runs/[^/]+/stream/?$))([^/]+)"
)
SESSION_S = 8 * 3600  # the Hub's default token lifetime, when it does not say
MAX_SESSION_S = 30 * 24 * 3600
HTTP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Provider:
    """The Space's OAuth app, from the variables the Space sets."""

    client_id: str
    client_secret: str
    url: str
    scopes: str
    space_host: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Provider | None:
        env = os.environ if env is None else env
        if not user_tokens.people_sign_in(env):
            return None
        names = ("OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OPENID_PROVIDER_URL")
        if not all(env.get(name) for name in names):
            return None
        return cls(
            client_id=env["OAUTH_CLIENT_ID"],
            client_secret=env["OAUTH_CLIENT_SECRET"],
            url=env["OPENID_PROVIDER_URL"].rstrip("/"),
            scopes=env.get("OAUTH_SCOPES") or "openid profile",
            space_host=env.get("SPACE_HOST") or None,
        )

    @property
    def secure(self) -> bool:
        """On a Space the page is served over https: cookies say so."""
        return self.space_host is not None

    def cookie_options(self) -> dict[str, Any]:
        """On a Space (https, in the Hub's iframe) only `SameSite=None; Secure` cookies are sent."""
        samesite = "none" if self.secure else "lax"
        return {"httponly": True, "samesite": samesite, "secure": self.secure}

    def login_cookie_options(self, request: Request) -> dict[str, Any]:
        """The login's cookie is sent to the callback only, a top-level navigation back from
        the provider (the page opens sign-in in a tab of its own): `SameSite=Lax` suffices,
        `Secure` whenever the page is served over https."""
        secure = self.secure or request.url.scheme == "https"
        return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/oauth"}

    def redirect_uri(self, request: Request) -> str:
        if self.space_host:
            return f"https://{self.space_host}{CALLBACK_PATH}"
        return f"{str(request.base_url).rstrip('/')}{CALLBACK_PATH}"


class SignInError(Exception):
    """Signing in could not finish; the message is for the person, and holds no secret."""


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def exchange(
    provider: Provider, code: str, verifier: str, redirect_uri: str
) -> tuple[Person, str]:
    """Trade the code for a token at the provider, then ask who it belongs to:
    (Person, access token). The token goes to the provider's host only."""
    import httpx

    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": provider.client_id,
        "code_verifier": verifier,
    }
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S, verify=verifying_context()) as client:
            answer = await client.post(
                f"{provider.url}/oauth/token",
                data=form,
                auth=(provider.client_id, provider.client_secret),
            )
            if answer.status_code != 200:
                raise SignInError(f"Hugging Face refused the sign-in ({answer.status_code}).")
            grant = answer.json()
            token = str(grant.get("access_token") or "") if isinstance(grant, dict) else ""
            if not token:
                raise SignInError("Hugging Face sent no access token.")
            headers = {"Authorization": f"Bearer {token}"}
            who = await client.get(f"{provider.url}/oauth/userinfo", headers=headers)
            info = who.json() if who.status_code == 200 else {}
    except httpx.HTTPError as error:
        raise SignInError(f"Could not reach Hugging Face ({type(error).__name__}).") from None
    except ValueError:  # not JSON
        raise SignInError("Hugging Face answered in an unexpected way.") from None
    if not isinstance(info, dict) or not info.get("sub"):
        raise SignInError(f"Hugging Face did not say who signed in ({who.status_code}).")
    given = grant.get("expires_in")
    lifetime = min(
        float(given) if isinstance(given, int | float) and given > 0 else SESSION_S, MAX_SESSION_S
    )
    name = str(info.get("preferred_username") or info.get("name") or info["sub"])
    return Person(str(info["sub"]), name, time.time() + lifetime), token


# --- pages ------------------------------------------------------------------------------------

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'self' https://huggingface.co"  # the Hub shows a Space in a frame
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ml-intern: {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px system-ui,sans-serif;max-width:32rem;margin:12vh auto;padding:0 1rem}}
a.button{{display:inline-block;padding:.6rem 1rem;border-radius:.5rem;background:#111;color:#fff;
text-decoration:none}}@media(prefers-color-scheme:dark){{body{{background:#111;color:#eee}}
a.button{{background:#eee;color:#111}}}}</style></head>
<body><h1>ml-intern</h1><p>{text}</p>
<p><a class="button" href="{login}" target="_blank" rel="opener">Sign in with Hugging Face</a></p>
</body></html>"""
SIGN_IN_TEXT = (
    "Sign in with your Hugging Face account to use this agent. Your threads are yours alone, "
    "and its Hub, Jobs and inference calls use your own access."
)


def page(title: str, text: str, status: int = 200) -> HTMLResponse:
    body = PAGE.format(title=html.escape(title), text=html.escape(text), login=LOGIN_PATH)
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


# --- routes -----------------------------------------------------------------------------------


def _provider() -> Provider:
    provider = Provider.from_env()
    if provider is None:
        raise HTTPException(404, "Sign-in with Hugging Face is not configured on this server.")
    return provider


async def login(request: Request) -> Response:
    provider = _provider()
    started = Login.new(request.query_params.get("next"))
    query = urlencode(
        {
            "client_id": provider.client_id,
            "redirect_uri": provider.redirect_uri(request),
            "response_type": "code",
            "scope": provider.scopes,
            "state": started.state,
            "code_challenge": pkce_challenge(started.verifier),
            "code_challenge_method": "S256",
        }
    )
    response = RedirectResponse(f"{provider.url}/oauth/authorize?{query}", status_code=302)
    options = provider.login_cookie_options(request)
    response.set_cookie(STATE_COOKIE, sealed(started), max_age=LOGIN_S, **options)
    return response


def not_signed_in(request: Request, provider: Provider, text: str, status: int) -> Response:
    """The page saying why, the login's cookie forgotten (it can finish nothing now)."""
    response = page("not signed in", text, status)
    response.delete_cookie(STATE_COOKIE, **provider.login_cookie_options(request))
    return response


async def callback(request: Request) -> Response:
    provider = _provider()
    if refused := request.query_params.get("error"):
        return page("not signed in", f"Hugging Face did not sign you in ({refused}).", 400)
    cookie, state = request.cookies.get(STATE_COOKIE), request.query_params.get("state") or ""
    try:
        started = await under_way(cookie, state)
    except LoginRefused as refusal:
        if refusal.spent:
            return not_signed_in(request, provider, str(refusal), 400)
        return page("not signed in", str(refusal), 400)
    if not (code := request.query_params.get("code") or ""):
        return page("not signed in", "Hugging Face sent no code: please start again.", 400)
    try:
        person, token = await exchange(
            provider, code, started.verifier, provider.redirect_uri(request)
        )
    except SignInError as error:
        return not_signed_in(request, provider, f"{error} Please start again.", 502)
    if not await finish(started):  # a second callback of this login got here first
        return not_signed_in(request, provider, FINISHED, 400)
    sid = await start_session(person, token)
    response = RedirectResponse(started.back_to, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, signed(sid), max_age=int(person.expires - time.time()), path="/",
        **provider.cookie_options(),
    )  # fmt: skip
    response.delete_cookie(STATE_COOKIE, **provider.login_cookie_options(request))
    return response


async def logout(request: Request) -> Response:
    await end_session(unsigned(request.cookies.get(SESSION_COOKIE) or "") or "")
    response = RedirectResponse("/", status_code=303)
    options = provider.cookie_options() if (provider := Provider.from_env()) else {}
    response.delete_cookie(SESSION_COOKIE, path="/", **options)
    return response


async def me(request: Request) -> JSONResponse:
    """Who is signed in (the gate has already turned away everyone else)."""
    person = await person_of(request.headers.get("cookie", ""))
    if person is None:
        return JSONResponse({"detail": "Not signed in."}, status_code=401)
    return JSONResponse({"name": person.name, "logout": LOGOUT_PATH})


ROUTES = [
    Route(LOGIN_PATH, login, methods=["GET"]),
    Route(CALLBACK_PATH, callback, methods=["GET"]),
    Route(LOGOUT_PATH, logout, methods=["POST"]),  # a form post: the Origin check applies
    Route(ME_PATH, me, methods=["GET"]),
]


async def sees_thread(scope: Scope, thread_id: str) -> bool:
    """Whether the person asking can see `thread_id`, by the LangGraph API's own owner filter
    (serve/auth.py), for the routes of CHECKED_THREAD_PATH."""
    from serve.run_guard import own_api

    async with own_api(scope) as client:
        answer = await client.get(f"/threads/{quote(thread_id, safe='')}")
    return answer.status_code == 200


class SignInGate:
    """Pure ASGI middleware, inert unless people sign in here: a request without a live
    session gets the sign-in page (a browser asking for `/`) or a 401 (anything else, the
    LangGraph API included); sign-in itself and `/ok` stay open."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] not in ("http", "websocket")
            or scope["path"] in OPEN_PATHS
            or Provider.from_env() is None
        ):
            await self.app(scope, receive, send)
            return
        async with signed_in(scope) as person:  # resolved once for the whole request
            if person is not None:
                thread = CHECKED_THREAD_PATH.match(scope["path"])
                if thread is None or await sees_thread(scope, thread.group(1)):
                    await self.app(scope, receive, send)
                    return
                detail = f"No such thread: {thread.group(1)}."
                await JSONResponse({"detail": detail}, status_code=404)(scope, receive, send)
                return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["path"] == "/" and scope.get("method") in ("GET", "HEAD"):
            response: Response = page("sign in", SIGN_IN_TEXT)
        else:
            detail = "Sign in with Hugging Face first: open this server's page (/) and sign in."
            response = JSONResponse({"detail": detail}, status_code=401)
        await response(scope, receive, send)
