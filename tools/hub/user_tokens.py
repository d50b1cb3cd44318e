"""Each signed-in person's Hugging Face token, on a server where people sign in.

`ml-intern web` on a Space with `hf_oauth` serves several people, and marks its environment
with ``ML_INTERN_WEB_AUTH=oauth``. Each person signs in with Hugging Face; serve/oauth.py keeps
their OAuth access token under their identity: here, in this process's memory (never a file,
the thread store or a checkpoint), or, on a server with a database, sealed in the shared
sign-in store, which every replica and worker reads through the lookup serve registers
(`look_up_with`: this layer cannot import the store). A run knows whose it is from
LangGraph's run config: the server puts the signed-in person in
``config["configurable"]["langgraph_auth_user"]`` and a client cannot set it (`identity_in`). So
`run_token()` is that person's token, for `hf_token()` (tools/hub/client.py) to send to the
Hub and the router only.

A token is kept until its person's last session ends or it expires, whichever comes first:
`run_token()` never hands out an expired one. Work done for a person outside a run (the
model picker's check, serve/web_settings.py) uses `acting_for`: a context variable, so the
token is theirs for that one request.

On such a server nothing falls back to HF_TOKEN or a saved login (the Space owner's): a run
without a signed-in person has no token at all.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar

MODE_VARIABLE = "ML_INTERN_WEB_AUTH"
IDENTITY_KEY = "langgraph_auth_user_id"
SERVER_USER_KEY = "langgraph_auth_user"  # the server's user object (`.identity`)
_TOKENS: dict[str, tuple[str, float]] = {}  # identity -> (OAuth token, expires at), in memory
_ACTING: ContextVar[str | None] = ContextVar("ml_intern_acting_token", default=None)
_LOOKUPS: list[Callable[[str], str | None]] = []  # the shared store's, when serve registers it


def people_sign_in(env: Mapping[str, str] | None = None) -> bool:
    """True on a server where each run belongs to a signed-in person."""
    return (os.environ if env is None else env).get(MODE_VARIABLE) == "oauth"


def keep(identity: str, token: str, expires: float) -> None:
    """Remember `identity`'s token until `expires` (epoch seconds; the latest sign-in wins)."""
    _TOKENS[identity] = (token, expires)


def look_up_with(lookup: Callable[[str], str | None]) -> None:
    """Tokens not kept here are asked of `lookup` (identity -> live token or None): the
    shared sign-in store of a server on a database. Registered once per process."""
    if lookup not in _LOOKUPS:
        _LOOKUPS.append(lookup)


def token_of(identity: str) -> str | None:
    """`identity`'s token while it is live (an expired one is forgotten), from this process's
    memory, else from the registered lookup (blocking: it may read a database)."""
    token, expires = _TOKENS.get(identity, ("", 0.0))
    if token and expires > time.time():
        return token
    _TOKENS.pop(identity, None)
    return next((found for lookup in _LOOKUPS if (found := lookup(identity))), None)


@contextlib.contextmanager
def acting_for(token: str | None) -> Iterator[None]:
    """Inside, `run_token()` is `token`: for a process doing one thing for one person."""
    reset = _ACTING.set(token)
    try:
        yield
    finally:
        _ACTING.reset(reset)


def drop(identity: str) -> None:
    _TOKENS.pop(identity, None)


def identity_in(configurable: Mapping[str, object]) -> str | None:
    """Whose run this `configurable` is. The server's user object first: both engines set
    it from the signed-in person. Aegra (the team server) copies the rest of `configurable`
    from the request, so there IDENTITY_KEY alone is whatever the client wrote; a research
    sub-graph's own config carries only IDENTITY_KEY (`carried_identity`)."""
    user = configurable.get(SERVER_USER_KEY)
    identity = (
        user.get("identity") if isinstance(user, Mapping) else getattr(user, "identity", None)
    )
    if user is None:
        identity = configurable.get(IDENTITY_KEY)
    return identity if isinstance(identity, str) and identity else None


def run_identity() -> str | None:
    """Who the current LangGraph run belongs to; None outside a run or for nobody."""
    from langgraph.config import get_config

    try:
        configurable = get_config().get("configurable") or {}
    except RuntimeError:  # not inside a runnable
        return None
    return identity_in(configurable)


def run_token() -> str | None:
    """The token of the person the current run belongs to, if they are signed in."""
    if (acting := _ACTING.get()) is not None:
        return acting
    identity = run_identity()
    return token_of(identity) if identity else None


def carried_identity() -> dict[str, str]:
    """The run's owner, for the configurable of a sub-graph this run starts (the research
    sub-agent), so its tools and model calls use the same person's token."""
    identity = run_identity()
    return {IDENTITY_KEY: identity} if identity else {}
