"""A worker killed mid-run costs no run: an API-only replica (`ml-intern web --no-runs`) and
two `ml-intern worker` processes; the worker running a tool call is killed (SIGKILL, its
tool too); after its lease ends another worker resumes the run from its last checkpoint,
the unfinished call runs again there, and the turn ends with one result for the call and one
answer (the model is not asked twice for the same step).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.redis import RedisServer
from tests.serve.aegra.test_team_server import messages, start_run, wait_for_run
from tests.web.test_server_under_abuse import listening_pid
from tests.web.web_harness import bash, free_port, start_web, stop_together, wait_for_ready

pytestmark = pytest.mark.timeout(300)
SLEEP_ONCE = "if test -f started; then echo second run; else echo $$ > started; sleep 60; fi"
# Short leases, so a dead worker's run is given to another within seconds, not a minute.
FAST_LEASES = {"LEASE_DURATION_SECONDS": "5", "HEARTBEAT_INTERVAL_SECONDS": "2",
               "REAPER_INTERVAL_SECONDS": "1"}  # fmt: skip


def sleeping_tool(servers: list[int]) -> tuple[int, int]:
    """The host pid of the tool's `sleep 60`, and the worker's server it runs under."""
    for server in servers:
        for child in psutil.Process(server).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if child.cmdline()[:2] == ["sleep", "60"]:
                    return child.pid, server
    raise AssertionError("the tool's process is under no worker")


@pytest.fixture
def api_and_workers(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str,
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[httpx.Client, list[int]]]:  # fmt: skip
    for name, value in FAST_LEASES.items():
        monkeypatch.setenv(name, value)
    # One server's processes share one secret (here on homes of their own): the call the dead
    # worker's approval decided verifies on the worker that resumes it (nodes/approval_record.py).
    monkeypatch.setenv("ML_INTERN_SESSION_SECRET", "one-team-server")
    team = ("--db", pg_url, "--redis", redis_server.url)
    port = free_port()
    started = [start_web(workspace, tmp_path / "api", llm.url, tmp_path, "--port", str(port),
                         "--no-runs", *team)]  # fmt: skip
    for name in ("w1", "w2"):
        root = tmp_path / name
        root.mkdir()
        started.append(start_web(workspace, root / "home", llm.url, root, *team, command="worker"))
    try:
        for proc, out in started:
            wait_for_ready(proc, out)
        servers = []  # each worker's server: the process serving its control port
        for _, out in started[1:]:  # a worker's own API is closed to everyone
            control = re.search(r"control: (\S+)\)", out.read_text())
            assert control, out.read_text()
            refused = httpx.post(f"{control.group(1)}/threads/search", json={}, trust_env=False)
            assert refused.status_code == 401, refused.text
            servers.append(listening_pid(httpx.URL(control.group(1)).port or 0))
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            yield client, servers
    finally:
        stop_together([proc for proc, _ in started])
        for _, out in started:
            print(out.read_text()[-3000:])


def test_a_worker_killed_mid_tool_costs_no_run(
    api_and_workers: tuple[httpx.Client, list[int]], llm: ScriptedLLMServer, workspace: Path
) -> None:
    api, servers = api_and_workers
    llm.add(Turn(tool_calls=[bash("c1", SLEEP_ONCE)]), Turn(content="Recovered."))
    thread = api.post("/threads", json={}).json()["thread_id"]
    run = start_run(api, thread, "sleep", "headless")
    assert run.status_code == 200, run.text
    marker = workspace / "started"
    deadline = time.monotonic() + 120
    while not marker.exists() or not marker.read_text().strip():
        assert time.monotonic() < deadline, "the tool never started"
        time.sleep(0.05)
    tool, server = sleeping_tool(servers)  # not the pid in `started`: the sandbox's own
    os.killpg(server, signal.SIGKILL)  # the worker dies, and the tool it ran with it
    with contextlib.suppress(ProcessLookupError):
        os.killpg(os.getpgid(tool), signal.SIGKILL)

    assert wait_for_run(api, thread, run.json()["run_id"])["status"] == "success"
    found = messages(api, thread)
    results = [m for m in found if m["type"] == "tool" and m["tool_call_id"] == "c1"]
    assert len(results) == 1 and "second run" in str(results[0]["content"])
    assert found[-1]["content"] == "Recovered."
    assert len(llm.requests) == 2  # one model call per step, none asked again
