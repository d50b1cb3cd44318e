"""Every route of the team server needs its access token, whoever registers it: Aegra's own
API (threads, runs, assistants, store, crons, health, metrics...) and ours. The routes are
enumerated from the served app itself (Aegra builds it from the config `ml-intern web` writes),
so a route a new Aegra release adds is covered without anyone listing it.
"""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from cli.team_server import write_team_config
from tests.fakes.cli_zygote import REPO
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer
from tests.fakes.redis import RedisServer
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready

pytestmark = pytest.mark.timeout(300)
TOKEN = "team-" + uuid.uuid4().hex


def served_routes(tmp_path: Path, pg_url: str, redis: RedisServer) -> list[tuple[str, str]]:
    """(path, method) of every route of the app a replica serves, read from that app (in a
    run the CLI zygote forks: tests/serve/aegra/served_routes.py)."""
    config = write_team_config(tmp_path / "routes")
    env = {**os.environ, "AEGRA_CONFIG": str(config), "DATABASE_URL": pg_url,
           "ML_INTERN_DATABASE_URL": pg_url, "REDIS_BROKER_ENABLED": "true",
           "REDIS_URL": redis.url}  # fmt: skip
    argv = [sys.executable, "-m", "tests.serve.aegra.served_routes"]
    listed = zygote_run(argv, cwd=REPO, env=env, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr[-3000:]
    routes = json.loads(listed.stdout.strip().splitlines()[-1])
    return [(path, method) for path, methods in routes for method in methods if method != "HEAD"]


def test_no_route_of_the_team_server_answers_without_its_token(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str,
    redis_server: RedisServer,
) -> None:  # fmt: skip
    (tmp_path / "token").write_text(TOKEN + "\n")
    port = free_port()
    proc, out = start_web(workspace, tmp_path / "home", llm.url, tmp_path, "--port", str(port),
                          "--db", pg_url, "--redis", redis_server.url,
                          "--token-file", str(tmp_path / "token"))  # fmt: skip
    try:
        routes = served_routes(tmp_path, pg_url, redis_server)  # while the replica starts
        paths = {path for path, _ in routes}
        assert {"/threads", "/threads/{thread_id}/runs", "/assistants/search", "/web/info"} <= paths
        wait_for_ready(proc, out)
        url = f"http://127.0.0.1:{port}"
        answered = {}
        with httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
            for path, method in routes:
                concrete = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
                answered[(method, path)] = client.request(method, concrete, json={}).status_code
            given = {"Authorization": f"Bearer {TOKEN}"}
            assert client.post("/threads/search", json={}, headers=given).status_code == 200
        opened = {route: status for route, status in answered.items() if status != 401}
        assert opened == {("GET", "/ok"): 200}, opened
    finally:
        stop_web(proc)
