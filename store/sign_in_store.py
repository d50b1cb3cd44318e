"""Sessions, each person's Hub token and the logins that finished, in the shared PostgreSQL: what
every replica and worker of a server on a database reads (serve/sign_in_sessions.py).

Two tables (store/postgres_schema.py, migration 7):
- `ml_intern_sign_in_sessions`: one row per session, under the keyed hash of its session id
  (`sid_hash`), with the person (`identity`, `name`), `created`, `expires` (epoch seconds) and
  their Hub token sealed (`token`: AES-GCM, bound to the row's hash, identity, name and
  expiry: altered, or copied to another session or person, it does not open, and the
  session is refused).
- `ml_intern_sign_in_logins`: one row per login that finished, under the keyed hash of its
  OAuth `state` (`verifier` empty, `started` when the login began), until the login's time is
  up: a second callback with the same state cookie is refused on every replica. Logins under
  way are not stored here: the browser keeps each in a sealed cookie (serve/sign_in_logins.py),
  and only a sign-in the provider accepted writes a row.
Keys come from store/sign_in_keys.py. A dump of these tables holds no usable session id, no
state and no token. Expiry is checked on every read; expired rows go whenever a session starts
or a login finishes. Blocking (a pooled connection): async callers use a thread.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from store.postgres_connection import borrowed
from store.sign_in_keys import keyed_hash, seal, unseal

SESSIONS = "ml_intern_sign_in_sessions"
LOGINS = "ml_intern_sign_in_logins"
LOGIN_S = 300  # a login must finish within this
TOKENS_TRIED = 8  # a person's newest sessions whose token `token_of` tries to open


@dataclass(frozen=True)
class Person:
    identity: str  # the Hub's stable user id (`sub`)
    name: str  # their username, for display
    expires: float


def _bound(sid_hash: str, person: Person) -> bytes:
    """What a session's sealed token is bound to: its row, as written."""
    return json.dumps([sid_hash, person.identity, person.name, int(person.expires)]).encode()


def save_session(url: str, sid: str, person: Person, token: str) -> None:
    """Session `sid` of `person`, their `token` sealed with it; expired rows go first."""
    purge(url)
    sid_hash = keyed_hash("session id", sid)
    sealed = seal("hub token", token, _bound(sid_hash, person))
    with borrowed(url) as db:
        db.execute(
            f"INSERT INTO {SESSIONS} (sid_hash, identity, name, created, expires, token) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (sid_hash, person.identity, person.name, time.time(), int(person.expires), sealed),
        )


def session(url: str, sid: str) -> Person | None:
    """Who session `sid` belongs to while it lasts; None if unknown, expired (then it goes)
    or its row was altered."""
    sid_hash = keyed_hash("session id", sid)
    select = f"SELECT identity, name, expires, token FROM {SESSIONS} WHERE sid_hash = ?"
    if (row := _row(url, select, (sid_hash,))) is None:
        return None
    person = Person(row[0], row[1], float(row[2]))
    if person.expires <= time.time():
        end_session(url, sid)
        return None
    if unseal("hub token", bytes(row[3]), _bound(sid_hash, person)) is None:
        return None
    return person


def end_session(url: str, sid: str) -> None:
    """Session `sid` ends, on every process at once (its row goes, its token with it)."""
    _row(url, f"DELETE FROM {SESSIONS} WHERE sid_hash = ?", (keyed_hash("session id", sid),))


def token_of(url: str, identity: str) -> str | None:
    """`identity`'s Hub token from their newest live session (the latest sign-in wins);
    None when they have none. A row that does not open as theirs is passed over."""
    with borrowed(url) as db:
        rows = db.execute(
            f"SELECT sid_hash, name, expires, token FROM {SESSIONS} "
            "WHERE identity = ? AND expires > ? ORDER BY created DESC LIMIT ?",
            (identity, time.time(), TOKENS_TRIED),
        ).fetchall()
    for sid_hash, name, expires, sealed in rows:
        bound = _bound(sid_hash, Person(identity, name, float(expires)))
        if (token := unseal("hub token", bytes(sealed), bound)) is not None:
            return token
    return None


def login_finished(url: str, state_hash: str) -> bool:
    """Whether the login under `state_hash` (its state's keyed hash) has finished already."""
    return _row(url, f"SELECT 1 FROM {LOGINS} WHERE state_hash = ?", (state_hash,)) is not None


def finish_login(url: str, state_hash: str, started: float) -> bool:
    """Record the login under `state_hash` (started at `started`) as finished, until its time
    is up: True the first time, False on every process after (one atomic insert)."""
    purge(url)
    taken = (
        f"INSERT INTO {LOGINS} (state_hash, verifier, started) VALUES (?, ?, ?) "
        "ON CONFLICT (state_hash) DO NOTHING RETURNING state_hash"
    )
    return _row(url, taken, (state_hash, b"", started)) is not None


def purge(url: str) -> None:
    """Expired sessions and stale logins go."""
    now = time.time()
    with borrowed(url) as db:
        db.execute(f"DELETE FROM {SESSIONS} WHERE expires <= ?", (now,))
        db.execute(f"DELETE FROM {LOGINS} WHERE started < ?", (now - LOGIN_S,))


def _row(url: str, sql: str, params: tuple[object, ...]) -> tuple[Any, ...] | None:
    """One statement on a pooled connection; the first row it returns, if any."""
    with borrowed(url) as db:
        cursor = db.execute(sql, params)
        return cursor.fetchone() if cursor.description else None
