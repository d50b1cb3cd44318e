"""Team-server replicas (`ml-intern web --db URL --redis URL`) on one real PostgreSQL and one
real redis-server, with the scripted model.

A pair of replicas takes 10-20 s to start, so the tests that only talk to them share one pair
per test process (`team`: under xdist, one per worker; streams capped per replica), and the
sign-in tests another (`signed_in_team`, people signing in with a local provider, runs and
streams capped per person). Each test works on fresh threads (and fresh people), with the
scripted model reset and the workspace emptied before it. Tests that stop, kill or restart
what they run on, or need a configuration of their own (a token file, workers, a fresh
database), start their own with `start_replicas` or the `replicas` fixture.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fakes.hf_oauth_server import FakeOAuth
from tests.fakes.llm_server import ScriptedLLMServer
from tests.fakes.postgres import PostgresCluster
from tests.fakes.redis import RedisServer, running_redis
from tests.web.web_harness import (
    free_port,
    module_env,
    start_web,
    stop_together,
    wait_for_ready,
)

# The caps tests/serve/aegra/test_team_limits.py checks: the sign-in team's per person, the
# team's per replica (one run and one stream at a time elsewhere stay under them).
RUNS_PER_PERSON, STREAMS_PER_PERSON = 2, 2
STREAMS_PER_REPLICA = 3


def start_replicas(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str, redis: RedisServer,
    names: tuple[str, ...] = ("a", "b"), settings: dict[str, object] | None = None,
) -> Iterator[httpx.Client]:  # fmt: skip
    """A client per replica, `settings` added to each replica's config."""
    started = []
    for name in names:
        root = tmp_path / name
        root.mkdir()
        port = free_port()
        args = ("--port", str(port), "--db", pg_url, "--redis", redis.url)
        proc, out = start_web(workspace, root / "home", llm.url, root, *args, settings=settings)
        started.append((proc, out, f"http://127.0.0.1:{port}"))
    try:
        for proc, out, _ in started:
            wait_for_ready(proc, out)
        clients = [httpx.Client(base_url=url, timeout=60, trust_env=False) for *_, url in started]
        yield from clients
    finally:
        stop_together([proc for proc, *_ in started])
        for _, out, _ in started:
            print(out.read_text()[-3000:])
            for log in out.parent.glob("home/*/team-*.log"):  # the replica's own log
                print(log, log.read_text(errors="replace")[-3000:])


@dataclass
class Team:
    """A running team server: replicas A and B, the scripted model they ask, their workspace,
    database and Redis, the directory they live in, and the sign-in provider (if any)."""

    replicas: list[httpx.Client]
    llm: ScriptedLLMServer
    workspace: Path
    pg_url: str
    redis: RedisServer
    root: Path
    provider: FakeOAuth | None = None

    def fresh(self) -> Team:
        """Itself, for the next test: the model's script and requests emptied, the workspace
        too (threads and people are each test's own)."""
        self.llm.reset()
        for path in self.workspace.iterdir():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        return self


def oauth_env(provider: FakeOAuth) -> dict[str, str | None]:
    """The Space's OAuth variables pointing at `provider` (None: unset), for replicas where
    people sign in on plain http (no SPACE_HOST: its cookies would be `Secure`)."""
    return {
        "OAUTH_CLIENT_ID": provider.client_id,
        "OAUTH_CLIENT_SECRET": provider.client_secret,
        "OAUTH_SCOPES": "openid profile inference-api read-repos",
        "OPENID_PROVIDER_URL": provider.url,
        "SPACE_HOST": None,
    }


def running_team(
    root: Path, cluster: PostgresCluster, settings: dict[str, object] | None = None,
    provider: FakeOAuth | None = None,
) -> Iterator[Team]:  # fmt: skip
    """A pair of replicas under `root` on a fresh database of `cluster` and a Redis of their
    own, started with the environment a test gets (and `provider`'s OAuth variables); the
    environment is put back once they run."""
    workspace = root / "workspace"
    workspace.mkdir()
    with ExitStack() as stack:
        llm = stack.enter_context(ScriptedLLMServer())
        redis = stack.enter_context(running_redis())
        pg_url = cluster.new_database()
        clients = start_replicas(llm, workspace, root, pg_url, redis, settings=settings)
        stack.callback(clients.close)
        with module_env(root), pytest.MonkeyPatch.context() as env:
            for name, value in (oauth_env(provider) if provider else {}).items():
                if value is None:
                    env.delenv(name, raising=False)
                else:
                    env.setenv(name, value)
            both = [next(clients), next(clients)]  # both replicas start inside this block
        for client in both:
            stack.callback(client.close)
        yield Team(both, llm, workspace, pg_url, redis, root, provider)


@pytest.fixture(scope="session")
def shared_team(
    tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster
) -> Iterator[Team]:
    server = {"streams_per_replica": STREAMS_PER_REPLICA}
    yield from running_team(tmp_path_factory.mktemp("team"), postgres_cluster, {"server": server})


@pytest.fixture
def team(shared_team: Team) -> Team:
    """Replicas A and B shared by this test process's tests (at most 3 streams each), fresh
    for this test."""
    return shared_team.fresh()


@pytest.fixture(scope="session")
def shared_signed_in_team(
    tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster
) -> Iterator[Team]:
    server = {"runs_per_person": RUNS_PER_PERSON, "streams_per_person": STREAMS_PER_PERSON}
    with FakeOAuth() as provider:
        root = tmp_path_factory.mktemp("team-sign-in")
        yield from running_team(root, postgres_cluster, {"server": server}, provider)


@pytest.fixture
def signed_in_team(shared_signed_in_team: Team) -> Team:
    """Replicas A and B where people sign in with Hugging Face (a local provider; each test
    signs in people of its own), at most 2 runs and 2 streams a person; fresh for this test."""
    return shared_signed_in_team.fresh()


@pytest.fixture
def replicas(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str,
    redis_server: RedisServer,
) -> Iterator[list[httpx.Client]]:  # fmt: skip
    """A pair of this test's own, for a test that restarts what they run on."""
    clients = start_replicas(llm, workspace, tmp_path, pg_url, redis_server)
    both = [next(clients), next(clients)]
    try:
        yield both
    finally:
        for client in both:
            client.close()
        clients.close()
