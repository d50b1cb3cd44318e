"""Who is signed in: sessions in signed cookies, shared by every process of a server on a
database, in this process's memory otherwise. (Logins under way are the browser's own, in a
sealed cookie: serve/sign_in_logins.py.)

A session is a random id in a cookie signed with a key derived from the Space's OAuth client
secret (store/sign_in_keys.py), so every replica and worker checks it alike. On a database
(`--db`: the team server, or embedded servers sharing one) the session and the person's Hub
token (sealed) live in store/sign_in_store.py: a cookie works on every replica, signing out
anywhere ends the session everywhere, and a worker finds the token of the person whose run it
executes (registered with tools/hub/user_tokens.py on import). Without a database they stay in
memory (the token in tools/hub/user_tokens.py), so a restart signs everyone out; expired
sessions end, their tokens with them, whenever a session starts.

The async functions are the API of request handlers (a database is read in a thread);
`SignInGate` resolves a request's session once (`signed_in`), and the synchronous
`person_from_scope` / `person_from_cookies` of the middleware and routes behind it read that.
serve/oauth.py runs the sign-in flow on top of this.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from starlette.types import Scope

from store import sign_in_store
from store.database import database_url
from store.sign_in_keys import key
from store.sign_in_store import Person
from tools.hub import user_tokens
from tools.secrets.known import KNOWN

__all__ = ["SESSION_COOKIE", "Person"]
SESSION_COOKIE = "ml_intern_session"
TOKEN_NAME = "HF_TOKEN"  # how a signed-in person's token is shown masked: no name of theirs
MAX_SESSIONS = 10_000
_SESSIONS: dict[str, Person] = {}  # without a database only
# The session this request's cookie header resolved to (set by SignInGate for its request).
_RESOLVED: ContextVar[tuple[str, Person | None] | None] = ContextVar(
    "ml_intern_signed_in", default=None
)


def _mac(value: str) -> str:
    digest = hmac.new(key("cookie"), value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signed(value: str) -> str:
    return f"{value}.{_mac(value)}"


def unsigned(cookie: str) -> str | None:
    value, _, mac = cookie.rpartition(".")
    return value if value and hmac.compare_digest(mac.encode(), _mac(value).encode()) else None


def cookie_value(header: str, name: str) -> str | None:
    for part in header.split(";"):
        name_, _, value = part.strip().partition("=")
        if name_ == name:
            return value
    return None


def cookie_header(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name.lower() == b"cookie":
            return str(value.decode("latin-1"))
    return ""


def _lookup(header: str) -> Person | None:
    """Blocking on a database: who the header's session belongs to."""
    sid = unsigned(cookie_value(header, SESSION_COOKIE) or "")
    if not sid or not user_tokens.people_sign_in():
        return None
    if (url := database_url()) is not None:
        return sign_in_store.session(url, sid)
    person = _SESSIONS.get(sid)
    if person is None or person.expires > time.time():
        return person
    _end_in_memory(sid)
    return None


def person_from_cookies(header: str) -> Person | None:
    """Who a `Cookie:` header's session belongs to; None if absent, forged or expired. The
    request's resolved session when SignInGate resolved this header; else it is looked up
    (blocking on a database: async code awaits `person_of`)."""
    resolved = _RESOLVED.get()
    if resolved is not None and resolved[0] == header:
        return resolved[1]
    return _lookup(header)


def person_from_scope(scope: Scope) -> Person | None:
    return person_from_cookies(cookie_header(scope))


async def person_of(header: str) -> Person | None:
    """`person_from_cookies`, a database read in a thread."""
    resolved = _RESOLVED.get()
    if resolved is not None and resolved[0] == header:
        return resolved[1]
    if database_url() is None or not cookie_value(header, SESSION_COOKIE):
        return _lookup(header)
    return await asyncio.to_thread(_lookup, header)


@asynccontextmanager
async def signed_in(scope: Scope) -> AsyncIterator[Person | None]:
    """The person of this request's session, resolved once: inside, everything serving the
    request (`person_from_scope`, serve/auth.py) reads it without asking again."""
    header = cookie_header(scope)
    reset = _RESOLVED.set((header, await person_of(header)))
    try:
        yield _RESOLVED.get()[1]  # type: ignore[index]
    finally:
        _RESOLVED.reset(reset)


async def start_session(person: Person, token: str) -> str:
    """A new session for `person`, their `token` kept with it; its id (for the cookie). The
    token is a known secret of this process from now on: masked in every tool's output, in
    any encoding, whoever's run shows it (tools/secrets/known.py)."""
    sid = secrets.token_urlsafe(32)
    KNOWN.add(TOKEN_NAME, token)
    if (url := database_url()) is not None:
        await asyncio.to_thread(sign_in_store.save_session, url, sid, person, token)
        return sid
    now = time.time()  # expired sessions (and, past MAX_SESSIONS, the oldest) end first
    for stale in [s for s, p in _SESSIONS.items() if p.expires <= now]:
        _end_in_memory(stale)
    while len(_SESSIONS) >= MAX_SESSIONS:
        _end_in_memory(next(iter(_SESSIONS)))
    _SESSIONS[sid] = person
    user_tokens.keep(person.identity, token, person.expires)
    return sid


async def end_session(sid: str) -> None:
    """Forget a session everywhere; the person's token too once none of theirs is left."""
    if not sid:
        return
    if (url := database_url()) is not None:
        await asyncio.to_thread(sign_in_store.end_session, url, sid)
    else:
        _end_in_memory(sid)


def _end_in_memory(sid: str) -> None:
    person = _SESSIONS.pop(sid, None)
    if person and all(p.identity != person.identity for p in _SESSIONS.values()):
        user_tokens.drop(person.identity)


def stored_token(identity: str) -> str | None:
    """Blocking: `identity`'s Hub token from the shared store, on a database (else None)."""
    url = database_url()
    token = sign_in_store.token_of(url, identity) if url is not None else None
    if token:
        KNOWN.add(TOKEN_NAME, token)  # a worker masks the tokens it uses, as the replica does
    return token


user_tokens.look_up_with(stored_token)  # a worker's runs find their person's token
