"""Who is signed in: sessions in signed cookies, and logins under way, in this process only.

A session is a random id in a signed cookie; the person it belongs to stays in memory and
their token in tools/hub/user_tokens.py, so a restart signs everyone out. Expired sessions
end, their tokens with them, whenever a session starts; pending logins are bounded too.
serve/oauth.py runs the sign-in flow on top of this.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from starlette.types import Scope

from tools.hub import user_tokens

SESSION_COOKIE = "ml_intern_session"
LOGIN_S = 600
MAX_PENDING_LOGINS = 1000
MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class Person:
    identity: str  # the Hub's stable user id (`sub`)
    name: str  # their username, for display
    expires: float


_KEY = secrets.token_bytes(32)  # signs session cookies; sessions live no longer than it
_SESSIONS: dict[str, Person] = {}
_LOGINS: dict[str, tuple[str, float]] = {}  # state -> (PKCE verifier, started at)


def _mac(value: str) -> str:
    digest = hmac.new(_KEY, value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signed(value: str) -> str:
    return f"{value}.{_mac(value)}"


def unsigned(cookie: str) -> str | None:
    value, _, mac = cookie.rpartition(".")
    return value if value and hmac.compare_digest(mac.encode(), _mac(value).encode()) else None


def cookie_value(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def person_from_cookies(header: str) -> Person | None:
    """Who a `Cookie:` header's session belongs to; None if absent, forged or expired."""
    sid = unsigned(cookie_value(header, SESSION_COOKIE) or "")
    person = _SESSIONS.get(sid) if sid else None
    if person is None or person.expires > time.time():
        return person
    end_session(sid or "")
    return None


def person_from_scope(scope: Scope) -> Person | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"cookie":
            return person_from_cookies(value.decode("latin-1"))
    return None


def start_session(person: Person, token: str) -> str:
    """A new session for `person`; expired ones (and, past MAX_SESSIONS, the oldest) end
    first, their tokens with them: memory holds no token longer than its session."""
    now = time.time()
    for stale in [sid for sid, p in _SESSIONS.items() if p.expires <= now]:
        end_session(stale)
    while len(_SESSIONS) >= MAX_SESSIONS:
        end_session(next(iter(_SESSIONS)))
    sid = secrets.token_urlsafe(32)
    _SESSIONS[sid] = person
    user_tokens.keep(person.identity, token, person.expires)
    return sid


def end_session(sid: str) -> None:
    """Forget a session; the person's token too once none of their sessions is left."""
    person = _SESSIONS.pop(sid, None)
    if person and all(p.identity != person.identity for p in _SESSIONS.values()):
        user_tokens.drop(person.identity)


def remember_login(state: str, verifier: str) -> None:
    now = time.time()
    for stale in [s for s, (_, at) in _LOGINS.items() if now - at > LOGIN_S]:
        del _LOGINS[stale]
    while len(_LOGINS) >= MAX_PENDING_LOGINS:
        del _LOGINS[next(iter(_LOGINS))]  # the oldest: a flood of logins cannot grow memory
    _LOGINS[state] = (verifier, now)


def take_login(state: str) -> str | None:
    """The PKCE verifier of a login started here in the last few minutes (once)."""
    verifier, at = _LOGINS.pop(state, ("", 0.0))
    return verifier if verifier and time.time() - at <= LOGIN_S else None
