"""The team server on Aegra: two `ml-intern web --db URL --redis URL` replicas on one real
PostgreSQL and one real redis-server, driven over HTTP as the page and the SDK drive it.

A run started on A stops at its approval; the approval is answered on B, the tool runs once,
and the answer is read on either. A second run on a busy thread is refused with a sentence,
on either replica, and two sent at once to both leave one. The thread is the CLI's: it is in
the thread index, and a CLI on the same database continues it.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.redis import RedisServer
from tests.serve.aegra.conftest import Team, start_replicas
from tests.web.web_harness import bash

pytestmark = pytest.mark.timeout(300)
APPROVE = {"resume": {"decisions": [{"type": "approve"}]}}


def start_run(
    client: httpx.Client, thread_id: str, text: str, mode: str = "interactive"
) -> httpx.Response:
    workspace = client.get("/web/info").json()["workspace"]
    body = {
        "assistant_id": "ml_intern",
        "input": {"messages": [{"type": "human", "content": text}]},
        "context": {"mode": mode, "workspace": workspace},
    }
    return client.post(f"/threads/{thread_id}/runs", json=body)


def wait_for_run(client: httpx.Client, thread_id: str, run_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while True:
        run = client.get(f"/threads/{thread_id}/runs/{run_id}").json()
        if run["status"] not in ("pending", "running"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.1)


def messages(client: httpx.Client, thread_id: str) -> list[dict[str, object]]:
    return client.get(f"/threads/{thread_id}/state").json()["values"]["messages"]


def test_an_approval_asked_on_one_replica_is_answered_on_the_other_and_a_busy_thread_takes_one_run(
    team: Team,
) -> None:
    a, b = team.replicas
    llm, workspace = team.llm, team.workspace
    llm.add(
        Turn(tool_calls=[bash("c1", "echo from-the-team >> made.txt")]),
        Turn(content="Made it on the team server."),
    )
    thread = a.post("/threads", json={"metadata": {"title": "team"}}).json()["thread_id"]
    run = start_run(a, thread, "make a file")
    assert run.status_code == 200, run.text
    assert wait_for_run(b, thread, run.json()["run_id"])["status"] == "interrupted"
    state = b.get(f"/threads/{thread}/state").json()
    pending = state["interrupts"] or [i for t in state["tasks"] for i in t["interrupts"]]
    assert pending[0]["value"]["action_requests"][0]["name"] == "bash"
    assert not (workspace / "made.txt").exists()  # nothing ran before the approval

    resumed = b.post(
        f"/threads/{thread}/runs", json={"assistant_id": "ml_intern", "command": APPROVE}
    )
    assert resumed.status_code == 200, resumed.text
    assert wait_for_run(a, thread, resumed.json()["run_id"])["status"] == "success"
    assert (workspace / "made.txt").read_text() == "from-the-team\n"  # ran once
    for client in (a, b):
        last = messages(client, thread)[-1]
        assert last["content"] == "Made it on the team server."
    listed = a.post("/threads/search", json={"limit": 10}).json()
    assert thread in [t["thread_id"] for t in listed]

    # A busy thread takes one run, whichever replica is asked: two sent at once leave one.
    llm.add(Turn(tool_calls=[bash("c2", "sleep 3; echo slept")]), Turn(content="ok"))
    busy = a.post("/threads", json={}).json()["thread_id"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda c: start_run(c, busy, "sleep", "headless"), (a, b)))
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    # Refused by the run table's one-run index or, when the first run already holds the
    # thread's lock, by the busy-thread guard before it: either way told to wait.
    refused = json.dumps(next(r for r in answers if r.status_code == 409).json())
    assert "already has a run" in refused or "is already running in" in refused, refused
    assert "Wait for" in refused
    assert len(a.get(f"/threads/{busy}/runs").json()) == 1


def test_replicas_started_together_on_a_fresh_database_all_serve(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str,
    redis_server: RedisServer,
) -> None:  # fmt: skip
    clients = start_replicas(llm, workspace, tmp_path, pg_url, redis_server, ("a", "b", "c"))
    try:
        for client in clients:
            assert client.get("/ok").status_code == 200
            assert client.post("/assistants/search", json={}).json()[0]["graph_id"] == "ml_intern"
    finally:
        clients.close()
