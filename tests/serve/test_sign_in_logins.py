"""Logins under way are the browser's own (serve/sign_in_logins.py): anonymous traffic cannot
push one out, and a login's cookie finishes one sign-in, once, within its time.

The sign-in routes of serve/oauth.py in process (an ASGI client), the Space's OAuth variables
pointing at the local provider (tests/fakes/hf_oauth_server.py, reached over HTTP), sessions
in this process's memory or on a real PostgreSQL. The attack of issue 60: 1,001 anonymous
`GET /oauth/login` in 10 s made every sign-in under way fail ("stale"), since logins lived in
a shared table bounded by evicting the oldest.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from starlette.applications import Starlette

from tests.fakes.hf_oauth_server import FakeOAuth, FakeUser

ALICE = FakeUser("u-alice-0001", "alice", "hf_oauthAliceToken0123456789abcdef")
STATE_COOKIE = "ml_intern_oauth_state"
FLOOD = 10_000


@dataclass
class Space:
    client: httpx.AsyncClient  # the sign-in routes, in process
    app: Starlette  # the same, for requests sent as bare ASGI calls
    provider: FakeOAuth
    db: str | None


@dataclass
class Started:
    cookie: str  # the state cookie's value
    set_cookie: str  # its whole Set-Cookie header
    callback: str  # path and query the provider sends the browser back to


@pytest.fixture(params=["memory", "postgres"])
async def space(
    request: pytest.FixtureRequest, isolated_home: object, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Space]:
    from serve.oauth import ROUTES

    db = None
    if request.param == "postgres":
        from store.postgres_schema import ensure_schema

        db = request.getfixturevalue("pg_url")
        ensure_schema(db)
        monkeypatch.setenv("ML_INTERN_DATABASE_URL", db)
    with FakeOAuth(users={"alice": ALICE}) as provider:
        for name, value in (
            ("ML_INTERN_WEB_AUTH", "oauth"), ("OAUTH_CLIENT_ID", provider.client_id),
            ("OAUTH_CLIENT_SECRET", provider.client_secret), ("OPENID_PROVIDER_URL", provider.url),
        ):  # fmt: skip
            monkeypatch.setenv(name, value)
        for name in ("SPACE_HOST", "ML_INTERN_SESSION_SECRET"):
            monkeypatch.delenv(name, raising=False)
        app = Starlette(routes=ROUTES)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://space.test") as client:
            yield Space(client, app, provider, db)


async def anonymous_login(app: Starlette) -> int:
    """`GET /oauth/login` from nobody, as one bare ASGI call (a client library's own work
    would be most of the time of 10,000): the status answered."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/oauth/login", "raw_path": b"/oauth/login", "root_path": "",
        "query_string": b"", "headers": [(b"host", b"space.test")],
        "client": ("127.0.0.1", 40000), "server": ("space.test", 80),
    }  # fmt: skip
    answered: list[int] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            answered.append(int(message["status"]))  # type: ignore[call-overload]

    await app(scope, receive, send)
    return answered[0]


def cookie_in(answer: httpx.Response, name: str) -> tuple[str, str] | None:
    """(value, whole header) of the cookie `answer` sets under `name`."""
    for header in answer.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0].strip('"'), header
    return None


async def start(space: Space, who: FakeUser = ALICE) -> Started:
    """A browser starts signing in and the provider sends it back (the callback not yet asked)."""
    space.provider.next_user = who.username
    login = await space.client.get("/oauth/login")
    assert login.status_code == 302, login.text
    cookie = cookie_in(login, STATE_COOKIE)
    assert cookie is not None and cookie[0], login.headers
    async with httpx.AsyncClient(trust_env=False) as browser:
        back = await browser.get(login.headers["location"])
    target = urlsplit(back.headers["location"])
    assert back.status_code == 302 and target.path == "/oauth/callback", back.headers
    return Started(cookie[0], cookie[1], f"{target.path}?{target.query}")


async def finish(space: Space, started: Started, cookie: str | None = None) -> httpx.Response:
    """The callback, with the state cookie the browser kept (or `cookie` instead)."""
    value = started.cookie if cookie is None else cookie
    headers = {"cookie": f"{STATE_COOKIE}={value}"} if value else {}
    space.client.cookies.clear()  # the cookies sent are the ones named here, no others
    return await space.client.get(started.callback, headers=headers)


async def who(space: Space, answer: httpx.Response) -> str | None:
    """Whom the session cookie `answer` set is for (None: it set none, or nobody)."""
    session = cookie_in(answer, "ml_intern_session")
    if session is None:
        return None
    me = await space.client.get("/oauth/me", headers={"cookie": f"ml_intern_session={session[0]}"})
    return me.json().get("name") if me.status_code == 200 else None


def login_rows(db: str | None) -> int:
    if db is None:
        return 0
    with psycopg.connect(db, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM ml_intern_sign_in_logins").fetchone()[0]


@pytest.mark.timeout(180)
async def test_ten_thousand_anonymous_logins_leave_a_sign_in_under_way_working(
    space: Space,
) -> None:
    alice = await start(space)
    began = time.monotonic()
    for _ in range(FLOOD):  # anonymous: no cookie kept, no callback
        assert await anonymous_login(space.app) == 302
    flood_s = time.monotonic() - began
    assert login_rows(space.db) == 0  # starting a login writes no shared table
    landed = await finish(space, alice)
    assert landed.status_code == 303, landed.text
    assert await who(space, landed) == "alice"
    print(f"{FLOOD} anonymous logins in {flood_s:.1f} s")


async def test_the_state_cookie_is_sealed_short_lived_and_kept_from_scripts(space: Space) -> None:
    alice = await start(space)
    state = parse_qs(urlsplit(alice.callback).query)["state"][0]
    assert state not in alice.cookie and len(alice.cookie) > 100  # sealed, not the state itself
    attributes = alice.set_cookie.lower()
    assert "httponly" in attributes and "samesite=lax" in attributes
    assert "path=/oauth" in attributes and "secure" not in attributes  # plain http here
    max_age = int(attributes.partition("max-age=")[2].split(";")[0])
    assert 60 <= max_age <= 600  # a few minutes
    landed = await finish(space, alice)
    assert landed.status_code == 303 and landed.headers["location"] == "/"
    gone = cookie_in(landed, STATE_COOKIE)
    assert gone is not None and gone[0] == ""  # the browser forgets it


async def test_a_replayed_state_cookie_signs_nobody_in(space: Space) -> None:
    alice = await start(space)
    assert (await finish(space, alice)).status_code == 303
    again = await finish(space, alice)  # the same cookie and callback, a second time
    assert again.status_code == 400 and await who(space, again) is None
    assert "already finished" in again.text and "start again" in again.text, again.text


async def test_a_tampered_state_cookie_signs_nobody_in(space: Space) -> None:
    alice = await start(space)
    value = alice.cookie
    flipped = value[:40] + ("A" if value[40] != "A" else "B") + value[41:]
    for forged in (flipped, value[:-4], value + "AAAA", "bm90LXNlYWxlZA"):
        answer = await finish(space, alice, forged)
        assert answer.status_code == 400 and await who(space, answer) is None, forged
        assert "altered" in answer.text and "start again" in answer.text, answer.text
    assert (await finish(space, alice)).status_code == 303  # the real one still works


async def test_an_expired_state_cookie_says_start_again(space: Space) -> None:
    from serve.sign_in_logins import Login, sealed

    alice = await start(space)
    state = parse_qs(urlsplit(alice.callback).query)["state"][0]
    old = sealed(Login(state, "a-verifier-of-long-ago", "/", expires=time.time() - 1))
    answer = await finish(space, alice, old)
    assert answer.status_code == 400 and await who(space, answer) is None
    assert "expired" in answer.text and "start again" in answer.text, answer.text


async def test_a_callback_for_another_login_or_without_a_cookie_is_refused(space: Space) -> None:
    """Login CSRF: a victim's browser sent to the callback of a login someone else started."""
    mallory, alice = await start(space), await start(space)
    crossed = await finish(space, mallory, alice.cookie)
    assert crossed.status_code == 400 and await who(space, crossed) is None
    assert "another sign-in" in crossed.text and "start again" in crossed.text, crossed.text
    none = await finish(space, alice, "")
    assert none.status_code == 400 and "start again" in none.text, none.text
    assert (await finish(space, alice)).status_code == 303  # refusals spent nothing


async def test_a_page_to_return_to_stays_on_this_server(space: Space) -> None:
    space.provider.next_user = ALICE.username
    for asked, back in (("/web/info", "/web/info"), ("//evil.example/x", "/"),
                        ("https://evil.example", "/"), ("/\\evil.example", "/")):  # fmt: skip
        login = await space.client.get("/oauth/login", params={"next": asked})
        cookie = cookie_in(login, STATE_COOKIE)
        assert cookie is not None
        async with httpx.AsyncClient(trust_env=False) as browser:
            target = urlsplit((await browser.get(login.headers["location"])).headers["location"])
        started = Started(cookie[0], cookie[1], f"{target.path}?{target.query}")
        landed = await finish(space, started)
        assert landed.status_code == 303 and landed.headers["location"] == back, asked


async def test_a_signed_in_persons_token_is_masked_in_any_encoding(space: Space) -> None:
    """Issue 60: another person's token came back base32-encoded. Once someone signs in, their
    token (here one no rule knows the shape of) is a known secret of the process."""
    import base64

    from tools.secrets import mask_secrets

    carol = FakeUser("u-carol-0003", "carol", "oauthCarolTokenOfNoKnownShape0123456789")
    space.provider.users["carol"] = carol
    encoded = base64.b32encode(carol.token.encode()).decode()
    assert await who(space, await finish(space, await start(space, carol))) == "carol"
    masked = mask_secrets(f"cat /proc/1/environ | base32: {encoded}", env={})
    assert encoded not in masked and "[REDACTED:HF_TOKEN]" in masked, masked
