"""People sign in with Hugging Face on the team server: two replicas on one PostgreSQL and
one redis-server, the Space's OAuth variables pointing at a local provider
(tests/fakes/hf_oauth_server.py). Alice signs in on A, Bob on B (a session is every
replica's: tests/serve/aegra/test_team_shared_sign_in.py). Alice's thread is hers on every replica: Bob gets 404 for it on B,
his search lists only his own, and a run cannot name another person as its owner. The
module's tests share one pair of replicas, each with people of its own (Carol writes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.fakes.hf_oauth_server import FakeOAuth, FakeUser
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.postgres import PostgresCluster
from tests.fakes.redis import running_redis
from tests.serve.aegra.conftest import start_replicas
from tests.web.web_harness import module_env

pytestmark = pytest.mark.timeout(300)
ALICE = FakeUser("u-alice-0001", "alice", "hf_oauthAliceToken0123456789abcdef")
BOB = FakeUser("u-bob-0002", "bob", "hf_oauthBobToken0123456789abcdefgh")
CAROL = FakeUser("u-carol-0003", "carol", "hf_oauthCarolToken0123456789abcdef")


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
    """A browser-like client on `url` that went through the whole sign-in, as `who`."""
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
        monkeypatch.setenv("OAUTH_CLIENT_ID", provider.client_id)
        monkeypatch.setenv("OAUTH_CLIENT_SECRET", provider.client_secret)
        monkeypatch.setenv("OAUTH_SCOPES", "openid profile inference-api read-repos")
        monkeypatch.setenv("OPENID_PROVIDER_URL", provider.url)
        monkeypatch.delenv("SPACE_HOST", raising=False)
        yield provider


@pytest.fixture(scope="module")
def team(
    tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster
) -> Iterator[tuple[list[httpx.Client], FakeOAuth, ScriptedLLMServer, Path]]:
    """Two replicas for the module's tests (each signs in people of its own): the replicas'
    clients, the provider, the scripted model and the workspace."""
    root = tmp_path_factory.mktemp("team-sign-in")
    workspace = root / "workspace"
    workspace.mkdir()
    with (
        module_env(root),
        pytest.MonkeyPatch.context() as env,
        signing_in(env) as provider,
        ScriptedLLMServer() as llm,
        running_redis() as redis,
    ):
        clients = start_replicas(llm, workspace, root, postgres_cluster.new_database(), redis)
        both = [next(clients), next(clients)]
        try:
            yield both, provider, llm, workspace
        finally:
            for client in both:
                client.close()
            clients.close()


@pytest.fixture
def llm(team: tuple[list[httpx.Client], FakeOAuth, ScriptedLLMServer, Path]) -> ScriptedLLMServer:
    team[2].reset()
    return team[2]


@pytest.fixture
def workspace(team: tuple[list[httpx.Client], FakeOAuth, ScriptedLLMServer, Path]) -> Path:
    return team[3]


def signed_in(
    team: tuple[list[httpx.Client], FakeOAuth, ScriptedLLMServer, Path], *who: FakeUser
) -> Iterator[list[httpx.Client]]:
    """`who` signed in, the first on replica A, the next on B, and so on."""
    (a, b), provider, _llm, _workspace = team
    people = [sign_in(str(c.base_url), provider, w) for c, w in zip([a, b] * 2, who, strict=False)]
    try:
        yield people
    finally:
        for client in people:
            client.close()


@pytest.fixture
def people(
    team: tuple[list[httpx.Client], FakeOAuth, ScriptedLLMServer, Path],
) -> Iterator[list[httpx.Client]]:
    """Alice signed in on replica A, Bob on replica B."""
    yield from signed_in(team, ALICE, BOB)


@pytest.fixture
def carol(
    team: tuple[list[httpx.Client], FakeOAuth, ScriptedLLMServer, Path],
) -> Iterator[httpx.Client]:
    """Carol signed in on replica A."""
    for (client,) in signed_in(team, CAROL):
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
