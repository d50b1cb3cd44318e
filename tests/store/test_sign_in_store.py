"""The shared sign-in store (store/sign_in_store.py) on a real PostgreSQL, and its keys
(store/sign_in_keys.py): what a dump shows, and what someone who can write the tables gains
(nothing: an altered or moved row does not open)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest

from store import sign_in_store as store
from store.postgres_schema import ensure_schema
from store.sign_in_keys import CLIENT_SECRET_ENV, SECRET_ENV, key, keyed_hash
from store.sign_in_store import LOGINS, SESSIONS, Person

ALICE_TOKEN, BOB_TOKEN = "hf_oauthAliceToken0123456789abcdef", "hf_oauthBobToken0123456789abcdefgh"


@pytest.fixture
def url(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(CLIENT_SECRET_ENV, "the-space-client-secret")
    monkeypatch.delenv(SECRET_ENV, raising=False)
    ensure_schema(pg_url)
    yield pg_url


def alice(expires_in: float = 3600) -> Person:
    return Person("u-alice", "alice", time.time() + expires_in)


def sql(url: str, statement: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def dump(url: str) -> str:
    rows = sql(url, f"SELECT * FROM {SESSIONS}") + sql(url, f"SELECT * FROM {LOGINS}")
    parts = []
    for value in (v for row in rows for v in row):
        raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        parts += [raw.hex(), raw.decode("latin-1")]
    return "\n".join(parts)


def test_keys_are_one_per_purpose_and_the_same_in_every_process() -> None:
    space = {CLIENT_SECRET_ENV: "client-secret"}
    purposes = ("cookie", "session id", "login", "hub token", "verifier")
    assert len({key(p, space) for p in purposes}) == len(purposes)
    assert key("cookie", space) == key("cookie", dict(space))  # derived: no state of its own
    override = {**space, SECRET_ENV: "an-explicit-secret"}
    assert key("cookie", override) != key("cookie", space)
    assert key("cookie", override) == key("cookie", {SECRET_ENV: "an-explicit-secret"})
    # No secret (or an empty one): this process's own random key, nobody else's.
    assert key("cookie", {}) == key("cookie", {CLIENT_SECRET_ENV: ""}) != key("cookie", space)
    with pytest.raises(ValueError):
        key("anything else", space)


def finished(url: str, state: str, started: float | None = None) -> bool:
    """A login (its OAuth state) recorded as finished, as serve/sign_in_logins.py does."""
    at = time.time() if started is None else started
    return store.finish_login(url, keyed_hash("login", state), at)


def test_a_dump_shows_no_token_no_session_id_no_login_secret(url: str) -> None:
    store.save_session(url, "sid-of-alice-0123456789", alice(), ALICE_TOKEN)
    assert finished(url, "state-0123456789")
    assert store.session(url, "sid-of-alice-0123456789") is not None
    stored = dump(url)
    assert "u-alice" in stored  # the dump is of the rows
    for secret in (ALICE_TOKEN, "sid-of-alice-0123456789", "state-0123456789"):
        assert secret not in stored and secret.encode().hex() not in stored
    assert keyed_hash("session id", "sid-of-alice-0123456789") in stored  # keyed, not plain
    assert store.token_of(url, "u-alice") == ALICE_TOKEN
    assert store.login_finished(url, keyed_hash("login", "state-0123456789"))


def test_a_row_altered_or_moved_opens_for_nobody(url: str) -> None:
    store.save_session(url, "sid-a", alice(), ALICE_TOKEN)
    store.save_session(url, "sid-b", Person("u-bob", "bob", time.time() + 3600), BOB_TOKEN)
    # Alice's sealed token copied into Bob's row: Bob's session and lookups refuse it.
    sql(url, f"UPDATE {SESSIONS} SET token = (SELECT token FROM {SESSIONS} "
             "WHERE identity = 'u-alice') WHERE identity = 'u-bob'")  # fmt: skip
    assert store.session(url, "sid-b") is None
    assert store.token_of(url, "u-bob") is None
    # Alice's row given Bob's identity: nobody gets her session or her token as Bob's.
    sql(url, f"UPDATE {SESSIONS} SET identity = 'u-bob', name = 'bob' WHERE identity = 'u-alice'")
    assert store.session(url, "sid-a") is None
    assert store.token_of(url, "u-bob") is None and store.token_of(url, "u-alice") is None


def test_expiry_is_enforced_on_read_and_cannot_be_extended(url: str) -> None:
    store.save_session(url, "sid-a", alice(), ALICE_TOKEN)
    sql(url, f"UPDATE {SESSIONS} SET expires = expires + 86400")  # a longer session: refused
    assert store.session(url, "sid-a") is None and store.token_of(url, "u-alice") is None
    store.save_session(url, "sid-old", alice(expires_in=-1), ALICE_TOKEN)
    assert store.session(url, "sid-old") is None  # expired: refused, and its row gone
    assert sql(url, f"SELECT 1 FROM {SESSIONS} WHERE expires <= extract(epoch FROM now())") == []
    sql(url, f"UPDATE {SESSIONS} SET expires = 1")
    assert finished(url, "state-1")  # a finished login purges what expired
    assert sql(url, f"SELECT count(*) FROM {SESSIONS}") == [(0,)]


def test_a_session_ends_everywhere_and_the_latest_sign_in_wins(url: str) -> None:
    store.save_session(url, "sid-1", alice(), "hf_oauthAliceFirst")
    store.save_session(url, "sid-2", alice(), ALICE_TOKEN)
    assert store.token_of(url, "u-alice") == ALICE_TOKEN
    store.end_session(url, "sid-2")
    assert store.session(url, "sid-2") is None
    assert store.token_of(url, "u-alice") == "hf_oauthAliceFirst"
    store.end_session(url, "sid-1")
    assert store.token_of(url, "u-alice") is None


def test_a_login_finishes_once_and_is_remembered_for_its_time_only(url: str) -> None:
    assert finished(url, "state-1")
    assert not finished(url, "state-1")  # a replayed callback, on any replica
    assert store.login_finished(url, keyed_hash("login", "state-1"))
    assert not store.login_finished(url, keyed_hash("login", "never-finished"))
    assert finished(url, "state-2", started=time.time() - store.LOGIN_S - 1)  # its time is up
    assert finished(url, "state-3")  # which purges it: its cookie has expired too
    assert not store.login_finished(url, keyed_hash("login", "state-2"))
    assert sql(url, f"SELECT count(*) FROM {LOGINS}") == [(2,)]


def test_another_secret_opens_nothing(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store.save_session(url, "sid-a", alice(), ALICE_TOKEN)
    assert finished(url, "state-1")
    monkeypatch.setenv(SECRET_ENV, "a-rotated-secret")
    assert store.session(url, "sid-a") is None and store.token_of(url, "u-alice") is None
    assert not store.login_finished(url, keyed_hash("login", "state-1"))


def test_a_stolen_database_alone_opens_nothing(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 60's thief, with every row of the sign-in tables and a process of their own on
    the database, but not the server's secret (neither ML_INTERN_SESSION_SECRET nor
    OAUTH_CLIENT_SECRET): no token unseals, whatever they guess the secret to be from what the
    dump shows, and no session cookie they can make is taken by the server, not even one
    naming a session the dump lists."""
    from serve.sign_in_sessions import SESSION_COOKIE, person_from_cookies, signed

    monkeypatch.setenv("ML_INTERN_WEB_AUTH", "oauth")  # the server's lookups, on this database
    monkeypatch.setenv("ML_INTERN_DATABASE_URL", url)
    store.save_session(url, "sid-of-alice-0123456789", alice(), ALICE_TOKEN)
    bob = Person("u-bob", "bob", time.time() + 3600)
    store.save_session(url, "sid-of-bob-0123456789", bob, BOB_TOKEN)
    assert finished(url, "state-0123456789")
    real = f"{SESSION_COOKIE}={signed('sid-of-alice-0123456789')}"
    assert person_from_cookies(real) == store.session(url, "sid-of-alice-0123456789")  # control
    stolen = sql(url, f"SELECT * FROM {SESSIONS}") + sql(url, f"SELECT * FROM {LOGINS}")
    shown = {str(v) for row in stolen for v in row if not isinstance(v, bytes | memoryview)}
    shown |= {bytes(v).hex() for row in stolen for v in row if isinstance(v, bytes | memoryview)}
    sid_hashes = [str(row[0]) for row in sql(url, f"SELECT sid_hash FROM {SESSIONS}")]
    identities = ("u-alice", "u-bob")

    # The thief's process: the database, no secret (a random one of its own stands in).
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv(CLIENT_SECRET_ENV, raising=False)
    assert [store.token_of(url, who) for who in identities] == [None, None]
    assert store.session(url, "sid-of-alice-0123456789") is None  # even knowing a session id
    forged = []
    for guess in sorted(shown | {"", "ml-intern", "ml-intern sign-in v1"}):
        if guess:
            monkeypatch.setenv(SECRET_ENV, guess)  # every value the dump shows, as the secret
        assert [store.token_of(url, who) for who in identities] == [None, None], guess
        forged += [signed(value) for value in sid_hashes]  # a cookie for each stored session
    # The server, with its secret: none of those cookies is anyone's; nor is a cookie signed
    # with the real key for a value the dump holds (it holds keyed hashes, not session ids).
    monkeypatch.setenv(CLIENT_SECRET_ENV, "the-space-client-secret")
    monkeypatch.delenv(SECRET_ENV, raising=False)
    forged += [signed(value) for value in sid_hashes]
    assert [c for c in forged if person_from_cookies(f"{SESSION_COOKIE}={c}")] == []
    assert person_from_cookies(real) is not None  # the real cookie still is Alice's
