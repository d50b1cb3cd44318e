"""People sign in with Hugging Face on the team server: two replicas on one PostgreSQL and
one redis-server, the Space's OAuth variables pointing at a local provider
(tests/fakes/hf_oauth_server.py). Alice signs in on A, Bob on B (a session is every
replica's: tests/serve/aegra/test_team_shared_sign_in.py). Alice's thread is hers on every replica: Bob gets 404 for it on B,
his search lists only his own, and a run cannot name another person as its owner. The tests
share one pair of replicas (`signed_in_team`, tests/serve/aegra/conftest.py), each with people
of its own (Carol writes; test_team_limits.py has Dave and Erin).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.fakes.hf_oauth_server import FakeOAuth, FakeUser
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.serve.aegra.conftest import Team, oauth_env

pytestmark = pytest.mark.timeout(300)
ALICE = FakeUser("u-alice-0001", "alice", "hf_oauthAliceToken0123456789abcdef")
BOB = FakeUser("u-bob-0002", "bob", "hf_oauthBobToken0123456789abcdefgh")
CAROL = FakeUser("u-carol-0003", "carol", "hf_oauthCarolToken0123456789abcdef")
DAVE = FakeUser("u-dave-0004", "dave", "hf_oauthDaveToken0123456789abcdefg")  # test_team_limits
ERIN = FakeUser("u-erin-0005", "erin", "hf_oauthErinToken0123456789abcdefg")


def run_body(client: httpx.Client, text: str, **extra: object) -> dict[str, object]:
    """A run's body as the page sends it (headless: tools need no approval)."""
    workspace = client.get("/web/info").json()["workspace"]
    return {
        "assistant_id": "ml_intern",
        "input": {"messages": [{"type": "human", "content": text}]},
        "context": {"mode": "headless", "workspace": workspace},
        **extra,
    }


def run_to_end(client: httpx.Client, thread_id: str, text: str, **extra: object) -> httpx.Response:
    """A run through `/runs/wait` (the routes of a signed-in server are the page's)."""
    return client.post(f"/threads/{thread_id}/runs/wait", json=run_body(client, text, **extra))


def sign_in(url: str, provider: FakeOAuth, who: FakeUser) -> httpx.Client:
    """A browser-like client on `url` that went through the whole sign-in, as `who` (whom
    `provider` knows from then on)."""
    provider.users.setdefault(who.username, who)
    provider.next_user = who.username
    client = httpx.Client(base_url=url, trust_env=False, timeout=60, follow_redirects=True)
    landed = client.get("/oauth/login")
    assert landed.status_code == 200 and landed.url.path == "/", landed.text
    assert client.get("/oauth/me").json()["name"] == who.username
    return client


@contextmanager
def signing_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOAuth]:
    """The Space's OAuth variables (for replicas started inside) on a local provider."""
    with FakeOAuth(users={"alice": ALICE, "bob": BOB, "carol": CAROL}) as provider:
        for name, value in oauth_env(provider).items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        yield provider


def signed_in(team: Team, *who: FakeUser) -> Iterator[list[httpx.Client]]:
    """`who` signed in, the first on replica A, the next on B, and so on."""
    assert team.provider is not None
    people = [sign_in(str(c.base_url), team.provider, w)
              for c, w in zip(team.replicas * 2, who, strict=False)]  # fmt: skip
    try:
        yield people
    finally:
        for client in people:
            client.close()


@pytest.fixture
def llm(signed_in_team: Team) -> ScriptedLLMServer:
    return signed_in_team.llm


@pytest.fixture
def workspace(signed_in_team: Team) -> Path:
    return signed_in_team.workspace


@pytest.fixture
def people(signed_in_team: Team) -> Iterator[list[httpx.Client]]:
    """Alice signed in on replica A, Bob on replica B."""
    yield from signed_in(signed_in_team, ALICE, BOB)


@pytest.fixture
def carol(signed_in_team: Team) -> Iterator[httpx.Client]:
    """Carol signed in on replica A."""
    for (client,) in signed_in(signed_in_team, CAROL):
        yield client


def test_each_person_has_their_own_threads_across_replicas(
    people: list[httpx.Client], llm: ScriptedLLMServer
) -> None:
    alice, bob = people
    with httpx.Client(base_url=bob.base_url, trust_env=False, timeout=30) as nobody:
        assert nobody.post("/threads/search", json={}).status_code == 401
        assert nobody.post("/threads", json={}).status_code == 401
    made = alice.post("/threads", json={"metadata": {"title": "alice's"}})
    assert made.status_code == 200, made.text
    thread = made.json()
    assert thread["metadata"]["owner"] == ALICE.sub
    llm.add(Turn(content="Hello Alice."))
    tid = thread["thread_id"]
    answer = run_to_end(alice, tid, "hello")
    assert answer.status_code == 200 and "Hello Alice." in answer.text, answer.text

    assert bob.get(f"/threads/{tid}").status_code == 404
    assert bob.get(f"/threads/{tid}/state").status_code == 404
    listed = bob.get(f"/threads/{tid}/runs")
    assert listed.status_code == 404 or listed.json() == [], listed.text
    assert run_to_end(bob, tid, "let me in").status_code == 404
    taken = bob.post("/threads", json={"thread_id": tid, "if_exists": "do_nothing"})
    assert taken.status_code == 409, taken.text
    assert bob.post(f"/web/threads/{tid}/undo").status_code == 404
    assert bob.post("/threads/search", json={}).json() == []
    bobs = bob.post("/threads", json={}).json()["thread_id"]
    assert [t["thread_id"] for t in bob.post("/threads/search", json={}).json()] == [bobs]
    assert [t["thread_id"] for t in alice.post("/threads/search", json={}).json()] == [tid]


def test_a_run_works_for_its_own_person_only(
    carol: httpx.Client, llm: ScriptedLLMServer, workspace: Path
) -> None:
    """Aegra hands a run its person as `langgraph_auth_user` only (not the embedded server's
    `langgraph_auth_user_id`): the tools find Carol's folder from it. A run naming a person
    in its config is refused (serve/run_request.py), whichever it names."""
    thread = carol.post("/threads", json={}).json()["thread_id"]
    spoofed = run_to_end(
        carol, thread, "write", config={"configurable": {"langgraph_auth_user_id": BOB.sub}}
    )
    assert spoofed.status_code == 422 and "cannot say whose" in spoofed.text, spoofed.text
    llm.add(
        Turn(tool_calls=[{"name": "write", "id": "w1",
                          "arguments": {"path": "mine.txt", "content": "carol"}}]),
        Turn(content="Written."),
    )  # fmt: skip
    answer = run_to_end(carol, thread, "write")
    assert answer.status_code == 200 and "Written." in answer.text, answer.text
    assert (workspace / CAROL.sub / "mine.txt").read_text() == "carol"
    assert not (workspace / BOB.sub).exists()
