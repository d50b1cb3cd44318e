"""The team server while Redis or PostgreSQL restarts under load (two replicas, four runs in
flight). Runs in flight either finish or end with an error, never half a step: every thread
holds its question at most once and no tool call without its answer; once the service is
back both replicas go on serving: a new thread runs, and every thread continues.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.postgres import PostgresCluster, running_cluster
from tests.fakes.redis import RedisServer
from tests.serve.aegra.test_team_server import messages, start_run, wait_for_run

pytestmark = pytest.mark.timeout(300)
IN_FLIGHT = 4
# A run whose claim failed while PostgreSQL was away waits in `pending` until Aegra's reaper
# sees it stuck: seconds here, not the default two minutes. Leases stay 10 s: on a loaded
# machine a 5 s lease was lost between heartbeats and the run passed from worker to worker.
# A worker whose wait on Redis failed looks in PostgreSQL after 1 s, not the default 5 s
# (each replica's first run after Redis came back waited those 5 s).
FAST_RECOVERY = {"LEASE_DURATION_SECONDS": "10", "HEARTBEAT_INTERVAL_SECONDS": "3",
                 "REAPER_INTERVAL_SECONDS": "1", "STUCK_PENDING_THRESHOLD_SECONDS": "5",
                 "POSTGRES_POLL_INTERVAL_SECONDS": "1"}  # fmt: skip


@pytest.fixture
def fast_recovery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short leases and a short stuck-pending wait for the replicas started after this."""
    for name, value in FAST_RECOVERY.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL of this test's own: it restarts under the replicas (the test process's
    cluster also serves the shared team, tests/serve/aegra/conftest.py)."""
    with running_cluster() as started:
        yield started


@pytest.fixture
def pg_url(cluster: PostgresCluster) -> str:
    return cluster.new_database()


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def restart_under_load(
    replicas: list[httpx.Client], llm: ScriptedLLMServer, restart: Callable[[], None]
) -> list[dict[str, object]]:
    """Four runs in flight, dealt to both replicas; `restart` while they wait on the model;
    then what each run ended as, and the threads checked and continued."""
    restarted = threading.Event()  # the model answers once the restart is over
    llm.default = Turn(content="Answered.", gate=restarted)
    runs = []
    for n in range(IN_FLIGHT):
        client = replicas[n % 2]
        thread = client.post("/threads", json={}).json()["thread_id"]
        started = start_run(client, thread, f"question {n}", "headless")
        assert started.status_code == 200, started.text
        runs.append((thread, started.json()["run_id"]))
    wait_until(lambda: llm.in_flight >= 1, "no run reached the model")
    restart()
    restarted.set()
    ended = [wait_for_run(replicas[0], thread, run_id) for thread, run_id in runs]
    print([(run["status"]) for run in ended])
    for thread, _ in runs:
        state = replicas[1].get(f"/threads/{thread}/state")
        assert state.status_code == 200, state.text
        found = (state.json().get("values") or {}).get("messages") or []  # none: never saved
        humans = [m["content"] for m in found if m["type"] == "human"]
        assert len(humans) == len(set(humans)) <= 1, humans
        assert not [m for m in found if m["type"] == "ai" and m.get("tool_calls")]
    llm.default = Turn(content="Answered.")
    went_on = []  # every thread continues: the four runs in flight side by side, as before
    for n, (thread, _) in enumerate(runs):
        client = replicas[n % 2]
        started = start_run(client, thread, "and now?", "headless")
        assert started.status_code == 200, started.text
        went_on.append((client, thread, started.json()["run_id"]))
    for client, thread, run_id in went_on:
        assert wait_for_run(client, thread, run_id)["status"] == "success"
        assert messages(client, thread)[-1]["content"] == "Answered."
    return ended


def test_redis_then_postgres_restart_under_load(
    fast_recovery: None, replicas: list[httpx.Client], llm: ScriptedLLMServer,
    redis_server: RedisServer, cluster: PostgresCluster,
) -> None:  # fmt: skip
    """Why one test: a pair of replicas takes 10-20 s to start, so both restarts share it."""

    def restart_redis() -> None:
        redis_server.halt()
        redis_server.resume()

    def restart_postgres() -> None:
        cluster.halt()
        cluster.resume()

    for restart in (restart_redis, restart_postgres):
        ended = restart_under_load(replicas, llm, restart)
        assert {run["status"] for run in ended} <= {"success", "error"}
