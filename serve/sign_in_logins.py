"""Logins under way, kept by the browser that started them: one sealed, short-lived cookie.

`/oauth/login` (serve/oauth.py) seals a login (its OAuth `state`, PKCE verifier, the page to
return to, and when it expires) with AES-256-GCM under the sign-in `verifier` key
(store/sign_in_keys.py) into the `ml_intern_oauth_state` cookie: HttpOnly, SameSite=Lax, Secure
over https, for `/oauth` only, LOGIN_S seconds. Starting a login writes nothing on the server,
so no number of anonymous logins can push out one under way (a shared table bounded by
evicting its oldest rows could, issue 60).

`/oauth/callback` asks `under_way` for the login its cookie holds, which refuses, saying why
and to start again: no cookie (started in another browser, or gone), a cookie altered or sealed
under another secret, one past its expiry (the time inside the sealed payload, not the
cookie's age), another login's state than the query's (compared in constant time), or a login
that already finished. A login finishes once: when the provider has accepted its code,
`finish` records its state's keyed hash (`login` key) until the login's expiry (in the shared
database, or this process's memory) and is False for every later try. Only a sign-in the
provider accepted writes that record: anonymous requests write nothing.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from store import sign_in_store
from store.database import database_url
from store.sign_in_keys import keyed_hash, seal, unseal
from store.sign_in_store import LOGIN_S

STATE_COOKIE = "ml_intern_oauth_state"
BOUND = b"ml-intern login cookie v1"  # what a sealed login opens with: nothing else's
MAX_FINISHED = 10_000  # in memory: forgetting one only lets a spent code be tried again
_FINISHED: dict[str, float] = {}  # without a database: state hash -> the login's expiry

NO_LOGIN = (
    "This browser has no sign-in under way (it was started in another browser, or its cookie "
    "is gone): please start again."
)
ALTERED = (
    "This sign-in's cookie was altered, or sealed by another server, so it cannot be trusted: "
    "please start again."
)
EXPIRED = f"This sign-in took longer than {LOGIN_S // 60} minutes and expired: please start again."
OTHER_LOGIN = (
    "This sign-in link belongs to another sign-in than the one this browser started: please "
    "start again."
)
FINISHED = (
    "This sign-in has already finished once and cannot be used again: please start again if "
    "you are not signed in."
)


class LoginRefused(Exception):
    """The callback cannot finish this browser's login; the message is for the person.
    `spent`: the cookie can finish nothing any more (altered, expired or finished), so the
    browser may forget it; a callback for another login leaves this browser's own alone."""

    def __init__(self, text: str, *, spent: bool = False) -> None:
        super().__init__(text)
        self.spent = spent


@dataclass(frozen=True)
class Login:
    state: str
    verifier: str  # the PKCE code verifier
    back_to: str  # a path on this server
    expires: float  # epoch seconds

    @classmethod
    def new(cls, back_to: str | None = None) -> Login:
        return cls(
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(48),
            page_to_return_to(back_to),
            time.time() + LOGIN_S,
        )


def page_to_return_to(asked: str | None) -> str:
    """`asked` when it is a path on this server, else `/`: never another site (`//host`,
    `/\\host`, `https://...`) nor anything a header could not carry."""
    if (
        not asked
        or not asked.startswith("/")
        or asked.startswith(("//", "/\\"))
        or any(c < " " or c == "\x7f" or c == "\\" for c in asked)
        or len(asked) > 1000
    ):
        return "/"
    return asked


def sealed(login: Login) -> str:
    """The cookie value of `login`: sealed, so the browser can neither read nor change it."""
    payload = json.dumps([login.state, login.verifier, login.back_to, int(login.expires)])
    return base64.urlsafe_b64encode(seal("verifier", payload, BOUND)).decode().rstrip("=")


def opened(cookie: str | None, state: str) -> Login:
    """The login `cookie` holds, for the callback that names `state`; LoginRefused otherwise."""
    if not cookie:
        raise LoginRefused(NO_LOGIN)
    try:
        raw = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
    except (binascii.Error, ValueError):
        raise LoginRefused(ALTERED, spent=True) from None
    payload = unseal("verifier", raw, BOUND) if len(raw) > 28 else None
    if payload is None:
        raise LoginRefused(ALTERED, spent=True)
    try:
        kept, verifier, back_to, expires = json.loads(payload)
        expires = float(expires)
    except (ValueError, TypeError):  # sealed by us, so never; but a payload is data
        raise LoginRefused(ALTERED, spent=True) from None
    if expires <= time.time():
        raise LoginRefused(EXPIRED, spent=True)
    if not hmac.compare_digest(kept.encode(), state.encode()):
        raise LoginRefused(OTHER_LOGIN)
    return Login(str(kept), str(verifier), page_to_return_to(str(back_to)), expires)


async def under_way(cookie: str | None, state: str) -> Login:
    """The login this browser started, for the callback naming `state`, not finished yet;
    LoginRefused (saying why) otherwise. Reads only."""
    login = opened(cookie, state)
    state_hash = keyed_hash("login", login.state)
    if (url := database_url()) is not None:
        done = await asyncio.to_thread(sign_in_store.login_finished, url, state_hash)
    else:
        done = _FINISHED.get(state_hash, 0.0) > time.time()
    if done:
        raise LoginRefused(FINISHED, spent=True)
    return login


async def finish(login: Login) -> bool:
    """Record `login` as finished (its code was accepted): True the first time only, on every
    process of a server on a database at once."""
    state_hash = keyed_hash("login", login.state)
    if (url := database_url()) is not None:
        return await asyncio.to_thread(
            sign_in_store.finish_login, url, state_hash, login.expires - LOGIN_S
        )
    now = time.time()
    for stale in [h for h, until in _FINISHED.items() if until <= now]:
        del _FINISHED[stale]
    if _FINISHED.get(state_hash, 0.0) > now:
        return False
    while len(_FINISHED) >= MAX_FINISHED:
        del _FINISHED[next(iter(_FINISHED))]
    _FINISHED[state_hash] = login.expires
    return True
