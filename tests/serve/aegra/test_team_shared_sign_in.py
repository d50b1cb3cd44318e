"""Sign-in is one for the whole team server: replicas and workers share it, and a database
dump gives an attacker nothing to use.

Two replicas (and, for runs, an API-only replica with an `ml-intern worker`) on one PostgreSQL
and one redis-server, the Space's OAuth variables pointing at a local provider
(tests/fakes/hf_oauth_server.py), the Hub at the fake Hub. The attacks, each checked:
(a) a cookie signed on replica A is Alice's on replica B too; (b) a sign-in started on A
finishes through the callback on B; (c) the sign-in tables hold neither Alice's token nor her
session id; (d) a forged cookie, and a session row given another identity, are refused;
(e) signing out on B ends the session on A; (f) a worker runs Alice's run with Alice's token
on the Hub, and Bob's with Bob's, never Alice's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest

from tests.fakes.hf_oauth_server import FakeOAuth, FakeUser
from tests.fakes.hub_server import FakeHub
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.redis import RedisServer
from tests.serve.aegra.conftest import start_replicas
from tests.serve.aegra.test_team_sign_in import ALICE, BOB, run_to_end, sign_in, signing_in
from tests.web.web_harness import free_port, start_web, stop_together, wait_for_ready

pytestmark = pytest.mark.timeout(300)
SESSIONS = "ml_intern_sign_in_sessions"
COOKIE, STATE_COOKIE = "ml_intern_session", "ml_intern_oauth_state"
SPACE_HOST = "team-ml-intern.hf.space"
OWNER_TOKEN = "hf_spaceOwnerToken0123456789abcdef"  # the Space's own HF_TOKEN: never used


def dump(pg_url: str) -> str:
    """Every row of the sign-in tables as text, byte columns as they are stored (hex) and
    decoded as text too: what a stolen backup would show."""
    text = []
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for table in (SESSIONS, "ml_intern_sign_in_logins"):
            for row in conn.execute(f"SELECT * FROM {table}").fetchall():
                for value in row:
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else None
                    text.append(raw.hex() + raw.decode("latin-1") if raw else str(value))
    return "\n".join(text)


def set_cookie(answer: httpx.Response, name: str) -> str | None:
    """The value `answer` sets for cookie `name` (read from the header: the cookies of a
    Space are `Secure`, which a cookie jar keeps from plain-http loopback)."""
    for header in answer.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0].strip('"') or None
    return None


def get(url: str, path: str, cookies: dict[str, str] | None = None) -> httpx.Response:
    header = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
    return httpx.get(url + path, headers={"Cookie": header} if header else {}, trust_env=False)


def who_on(url: str, cookie: str | None) -> str | None:
    """Whom replica `url` takes the session cookie `cookie` for (None: nobody)."""
    answer = get(url, "/oauth/me", {COOKIE: cookie} if cookie is not None else None)
    return answer.json()["name"] if answer.status_code == 200 else None


def sign_in_via(start: str, finish: str, provider: FakeOAuth, who: FakeUser) -> str:
    """Start signing in on replica `start`; the provider sends the browser back to the
    Space's callback, which the Space's load balancer hands to replica `finish` (the same path
    and query, the browser's state cookie). The session cookie set."""
    provider.next_user = who.username
    login = get(start, "/oauth/login")
    state = set_cookie(login, STATE_COOKIE)
    assert login.status_code == 302 and state, login.text
    back = httpx.get(login.headers["location"], trust_env=False)
    callback = urlsplit(back.headers["location"])
    assert back.status_code == 302 and callback.netloc == SPACE_HOST, back.headers
    landed = get(finish, f"{callback.path}?{callback.query}", {STATE_COOKIE: state})
    cookie = set_cookie(landed, COOKIE)
    assert landed.status_code == 303 and cookie, landed.text
    return cookie


@pytest.fixture
def two_replicas(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str,
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, str, FakeOAuth]]:  # fmt: skip
    """Replicas A and B of a Space where people sign in: their URLs and the provider."""
    with signing_in(monkeypatch) as provider:
        monkeypatch.setenv("SPACE_HOST", SPACE_HOST)
        clients = start_replicas(llm, workspace, tmp_path, pg_url, redis_server)
        a, b = next(clients), next(clients)
        try:
            yield str(a.base_url).rstrip("/"), str(b.base_url).rstrip("/"), provider
        finally:
            a.close()
            b.close()
            clients.close()


def test_a_session_is_one_on_every_replica(
    two_replicas: tuple[str, str, FakeOAuth], pg_url: str
) -> None:
    """Each attack is checked and every failed one named (on the code before sign-in was
    shared, a, b, c, d and e failed)."""
    a, b, provider = two_replicas
    failed: list[str] = []
    alice = sign_in_via(a, a, provider, ALICE)
    if who_on(b, alice) != "alice":
        failed.append("a: Alice's cookie from A is not hers on B")
    try:
        bob: str | None = sign_in_via(a, b, provider, BOB)
    except AssertionError as error:
        bob = None
        failed.append(f"b: a sign-in started on A did not finish on B: {error}")
    if bob is not None and (who_on(a, bob) != "bob" or who_on(b, bob) != "bob"):
        failed.append("b: a sign-in started on A and finished on B is not Bob's")
    try:
        stored = dump(pg_url)
    except psycopg.errors.UndefinedTable:
        failed.append("c: no sign-in table")
    else:
        sid = alice.rpartition(".")[0]
        if not stored or ALICE.token in stored or sid in stored or BOB.token in stored:
            failed.append("c: the sign-in tables show a token or a session id (or nothing)")
    failed += forgeries_accepted(a, b, alice, bob, pg_url)
    bob = sign_in_via(b, b, provider, BOB)
    httpx.post(f"{b}/oauth/logout", headers={"Cookie": f"{COOKIE}={alice}"}, trust_env=False)
    if who_on(a, alice) is not None or who_on(b, alice) is not None:
        failed.append("e: Alice signed out on B, and A still takes her cookie")
    if who_on(b, bob) != "bob":
        failed.append("e: Alice's sign-out ended Bob's session")
    assert failed == [], failed


def forgeries_accepted(a: str, b: str, alice: str, bob: str | None, pg_url: str) -> list[str]:
    """(d): a cookie with its MAC altered, one naming a session id it was not given, one
    without its MAC; then Bob's session row given Alice's identity."""
    value, _, mac = alice.rpartition(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    forged = [f"{value}.{flipped}", f"{value}x.{mac}", f"{value}.", value, f".{mac}"]
    failed = [f"d: forged cookie {c!r} taken" for c in forged if who_on(b, c) or who_on(a, c)]
    try:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            moved = conn.execute(
                f"UPDATE {SESSIONS} SET identity = %s, name = %s WHERE identity = %s",
                (ALICE.sub, ALICE.username, BOB.sub),
            ).rowcount
    except psycopg.errors.UndefinedTable:
        return [*failed, "d: no sign-in table to tamper with"]
    taken = [who_on(url, bob) for url in (a, b)]
    if moved == 0 or any(taken):
        failed.append(f"d: Bob's session row given Alice's identity was taken as {taken}")
    return failed


@pytest.fixture
def api_and_worker(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str,
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, FakeOAuth, FakeHub, list[Path]]]:  # fmt: skip
    """An API-only replica (`--no-runs`) and one `ml-intern worker`, people signing in, the
    Hub at a fake Hub; the replica's URL, the provider, the Hub and the processes' logs."""
    team = ("--db", pg_url, "--redis", redis_server.url)
    with signing_in(monkeypatch) as provider, FakeHub(ALICE.token) as hub:
        for name, value in (("HF_ENDPOINT", hub.url), ("ML_INTERN_DATASETS_SERVER_URL", hub.url),
                            ("HF_TOKEN", OWNER_TOKEN)):  # fmt: skip
            monkeypatch.setenv(name, value)
        port = free_port()
        started = [start_web(workspace, tmp_path / "api", llm.url, tmp_path, "--port", str(port),
                             "--no-runs", *team)]  # fmt: skip
        (tmp_path / "w").mkdir()
        started.append(start_web(workspace, tmp_path / "w" / "home", llm.url, tmp_path / "w",
                                 *team, command="worker"))  # fmt: skip
        try:
            for proc, out in started:
                wait_for_ready(proc, out)
            yield f"http://127.0.0.1:{port}", provider, hub, [out for _, out in started]
        finally:
            stop_together([proc for proc, _ in started])
            for _, out in started:
                print(out.read_text()[-3000:])


def jobs_ps() -> dict[str, object]:
    return {"name": "hf_jobs", "id": "j1", "arguments": {"operation": "ps"}}


def test_a_worker_runs_each_persons_run_with_their_own_token(
    api_and_worker: tuple[str, FakeOAuth, FakeHub, list[Path]],
    llm: ScriptedLLMServer, tmp_path: Path,
) -> None:  # fmt: skip
    """(f) The run executes in the worker, another process than the replica that signed
    Alice in: its Hub calls carry Alice's token; Bob's run, after hers, carries Bob's only.
    No token reaches the model, a tool's output or a log."""
    url, provider, hub, logs = api_and_worker
    for who in (ALICE, BOB):
        client = sign_in(url, provider, who)
        thread = client.post("/threads", json={}).json()["thread_id"]
        llm.add(Turn(tool_calls=[jobs_ps()]), Turn(content=f"Done, {who.username}."))
        before = len(hub.requests)
        answer = run_to_end(client, thread, "list my jobs")
        assert answer.status_code == 200 and f"Done, {who.username}." in answer.text, answer.text
        calls = hub.requests[before:]
        # The fake Hub knows Alice's token only: Bob's run stops at "who am I" (a 401).
        paths = [r.path for r in calls]
        assert any("/api/jobs/" in p for p in paths) if who is ALICE else paths, paths
        sent = {r.headers.get("authorization") for r in calls}
        assert sent == {f"Bearer {who.token}"}, (who.username, sent)
        assert ALICE.token not in answer.text and BOB.token not in answer.text
        client.close()
    assert not any(t in json.dumps(llm.requests) for t in (ALICE.token, BOB.token, OWNER_TOKEN))
    written = [p.read_text(errors="replace") for p in tmp_path.rglob("*.log")]
    written += [p.read_text(errors="replace") for p in logs]
    assert not any(t in text for text in written for t in (ALICE.token, BOB.token))
