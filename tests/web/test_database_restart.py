"""`ml-intern web` on PostgreSQL while the database restarts under load.

Runs in flight when PostgreSQL goes away either finish (the database came back before they
next wrote) or end with a sentence naming the database; no thread holds half a step (each
question at most once, every tool call answered); and once PostgreSQL is back the server
goes on serving: a new thread runs, and a thread whose run failed continues.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from store.database import URL_ENV
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.postgres import PostgresCluster
from tests.fakes.server_runs import run_body, wait_until
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready

pytestmark = pytest.mark.timeout(300)
IN_FLIGHT = 4


def test_the_database_restarts_under_load(
    llm: ScriptedLLMServer,
    postgres_cluster: PostgresCluster,
    tmp_path: Path,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(URL_ENV, postgres_cluster.new_database())
    restarted = threading.Event()  # the model answers once the database is back
    llm.default = Turn(content="Answered.", gate=restarted)
    port = free_port()
    proc, out = start_web(workspace, tmp_path / "home", llm.url, tmp_path, "--port", str(port))
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120, trust_env=False)
    try:
        wait_for_ready(proc, out)
        runs: list[tuple[str, str]] = []
        for n in range(IN_FLIGHT):
            thread = api.post("/threads", json={}).json()["thread_id"]
            started = api.post(f"/threads/{thread}/runs", json=run_body(f"question {n}"))
            assert started.status_code == 200, started.text
            runs.append((thread, started.json()["run_id"]))
        wait_until(lambda: llm.in_flight >= 1, "no run reached the model")
        postgres_cluster.halt()
        postgres_cluster.resume()
        restarted.set()

        outcomes: dict[str, Any] = {}
        for thread, run_id in runs:
            joined = api.get(f"/threads/{thread}/runs/{run_id}/join")
            outcomes[thread] = joined.json() if joined.status_code == 200 else joined.text
        print({t[:8]: str(o)[:300] for t, o in outcomes.items()})
        for thread, outcome in outcomes.items():
            error = outcome.get("__error__") if isinstance(outcome, dict) else outcome
            if error:
                assert "database" in str(error).lower(), error
            state = api.get(f"/threads/{thread}/state")
            assert state.status_code == 200, state.text
            messages = (state.json().get("values") or {}).get("messages") or []
            humans = [m["content"] for m in messages if m["type"] == "human"]
            assert len(humans) <= 1 and len(set(humans)) == len(humans), humans
            assert not [m for m in messages if m["type"] == "ai" and m.get("tool_calls")]

        # The database is back: a new thread runs, and every thread goes on.
        llm.default = Turn(content="Answered.")
        fresh = api.post("/threads", json={}).json()["thread_id"]
        again = api.post(f"/threads/{fresh}/runs/wait", json=run_body("after the restart"))
        assert again.status_code == 200 and "Answered." in again.text, again.text
        for thread in outcomes:
            went_on = api.post(f"/threads/{thread}/runs/wait", json=run_body("and now?"))
            assert went_on.status_code == 200 and "Answered." in went_on.text, went_on.text
    finally:
        api.close()
        stop_web(proc)
