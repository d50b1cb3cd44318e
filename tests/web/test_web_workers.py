"""`ml-intern web --workers 2`: two server processes on one port and one PostgreSQL database.

One command serves the whole story (starting it is the slow part): the page and the API on
one port, the kernel dealing connections to both workers; a run started on one streams from
the other; a thread asked to run on both at once runs once; a worker killed mid-tool has its
run resumed by the other with one result for the call, and a new worker takes its place;
Ctrl-C stops every worker. A bad `--workers` is refused before any server starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from store.database import URL_ENV
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.test_servers_behind_proxy import ask_at_once, last_words, messages_of
from tests.web.test_web_two_servers import (
    children,
    run_a_tool_that_waits,
    run_body,
    wait_until,
)
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready

pytestmark = pytest.mark.timeout(420)
TAKEOVER_S = 2  # server.takeover_after_s: a silent worker's runs are taken over after this


def own_url(worker: int) -> str:
    """Where a worker answers on its own (its environment names it)."""
    env = Path(f"/proc/{worker}/environ").read_bytes().split(b"\0")
    found = [v for v in env if v.startswith(b"ML_INTERN_WORKER_URL=")]
    return found[0].split(b"=", 1)[1].decode()


def socket_inodes(port: int, client_port: int | None = None) -> set[str]:
    """The loopback sockets on `port`: its listeners, or its end of the connection from
    `client_port` (Linux /proc)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(f.rsplit(":", 1)[1], 16) for f in fields[1:3])
        wanted = fields[3] == "0A" if client_port is None else remote == client_port
        if local == port and wanted:
            found.add(f"socket:[{fields[9]}]")
    return found


def holders(inodes: set[str], pids: list[int] | None = None) -> list[int]:
    """The processes (of `pids`, else all) holding one of `inodes`."""
    if pids is None:
        pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    found = []
    for pid in pids:
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in Path(f"/proc/{pid}/fd").iterdir()):
                found.append(pid)
    return found


def landed_on(port: int, workers: list[int]) -> int | None:
    """Ask `/ok` over a new connection to `port`; the worker that answered it."""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port)
        assert b"200 OK" in conn.recv(4096)
        found = holders(socket_inodes(port, conn.getsockname()[1]), workers)
        return found[0] if found else None


def test_two_workers_serve_one_port_and_stand_in_for_each_other(
    llm: ScriptedLLMServer, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, pg_url)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    port = free_port()
    settings = {"server": {"takeover_after_s": TAKEOVER_S}}
    token_file = tmp_path / "token"
    token_file.write_text("workers-secret\n")
    args = ("--port", str(port), "--workers", "2", "--token-file", str(token_file))
    proc, out = start_web(workspace, tmp_path / "home", llm.url, tmp_path, *args, settings=settings)
    signed = {
        "timeout": 120,
        "trust_env": False,
        "headers": {"Authorization": "Bearer workers-secret"},
    }
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}", **signed)
    workers: list[int] = []
    try:
        wait_for_ready(proc, out)
        workers = children(proc.pid)  # (under the tests' shim, each stands for its server)
        assert len(workers) == 2, out.read_text()
        servers = holders(socket_inodes(port))
        assert len(servers) == 2, servers

        # The page and the API on one port; the kernel deals connections to both workers.
        page = api.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert api.get("/web/info").json()["assistant_id"] == "ml_intern"
        seen = {landed_on(port, servers) for _ in range(40)}
        assert seen == set(servers), seen

        # A run started on one worker streams from the other (relayed to its holder).
        a, b = (httpx.Client(base_url=own_url(w), **signed) for w in workers)
        # A worker's own port is no way around the access token: the same check answers there.
        for url in (f"http://127.0.0.1:{port}", *(own_url(w) for w in workers)):
            for path in ("/", "/threads/search", "/web/info"):
                method = "POST" if path == "/threads/search" else "GET"
                bare = httpx.request(method, f"{url}{path}", json={}, trust_env=False, timeout=30)
                assert bare.status_code == 401, (url, path, bare.status_code)
        thread = api.post("/threads", json={}).json()["thread_id"]
        llm.add(Turn(content="Streamed across workers.", delay=2))
        started = a.post(f"/threads/{thread}/runs", json=run_body("stream it"))
        assert started.status_code == 200, started.text
        run_id = started.json()["run_id"]
        with b.stream("GET", f"/threads/{thread}/runs/{run_id}/stream") as joined:
            assert joined.status_code == 200
            assert "Streamed across workers." in "".join(joined.iter_text())

        # Asked on both workers at once: it runs once; the other is told it is busy.
        llm.add(Turn(content="Ran once.", delay=3))  # both asks land within it
        answers = ask_at_once([a, b], thread)
        ran = [i for i, answer in answers.items() if "Ran once." in answer.text]
        assert len(ran) == 1, {i: answer.text[-300:] for i, answer in answers.items()}
        assert "already running" in answers[1 - ran[0]].text

        # The worker running a tool is killed: the other resumes the run, one result for the
        # call; a new worker takes the dead one's place.
        done = "Finished after the takeover."
        marker = run_a_tool_that_waits(a, f"/threads/{thread}", llm, workspace, done)
        own_port = int(own_url(workers[0]).rsplit(":", 1)[1])
        server_a = holders(socket_inodes(own_port))  # under the tests' shim, a zygote's fork
        assert server_a, f"no server listens on worker 1's own port {own_port}"
        os.killpg(workers[0], signal.SIGKILL)
        for pid in server_a:  # dead now, as in a crash: the shim's own kill of it comes later
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(marker.read_text().strip()), signal.SIGKILL)
        wait_until(
            lambda: last_words(b, thread) == done,
            "the other worker did not take the run over",
        )
        results = [m for m in messages_of(b, thread) if m["type"] == "tool"]
        assert [m["tool_call_id"] for m in results] == ["call_sleep"]
        assert "second run" in str(results[0]["content"])
        wait_until(lambda: len(set(children(proc.pid)) - {workers[0]}) == 2, "no new worker")
        assert "worker 1" in out.read_text() and "starting another" in out.read_text()
        workers = children(proc.pid)
        servers = holders(socket_inodes(port))
        a.close(), b.close()

        # Ctrl-C stops every worker.
        assert stop_web(proc) == 0, out.read_text()
        for pid in [*workers, *servers]:
            assert not Path(f"/proc/{pid}").exists(), pid
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
    finally:
        api.close()
        if proc.poll() is None:
            stop_web(proc)
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker, signal.SIGKILL)
        for log in sorted((tmp_path / "home" / "web").glob("worker-*/server.log")):
            print(log, log.read_text(errors="replace")[-3000:])


@pytest.mark.parametrize("value", ["0", "-1", "33"])
def test_a_bad_workers_value_is_refused_before_any_server_starts(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**os.environ, "ML_INTERN_HOME": str(tmp_path / "home")}
    env[URL_ENV] = "postgresql://nobody@127.0.0.1:1/none"  # never reached: refused before
    done = zygote_run(
        [sys.executable, "-m", "cli", "web", "--port", "0", "--workers", value],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"--workers must be from 1 to 32, not {value}" in done.stderr
    assert "Open:" not in done.stdout and "Traceback" not in done.stderr
