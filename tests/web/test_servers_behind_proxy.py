"""Two `ml-intern web` servers on one PostgreSQL behind a round-robin load balancer, as a
team runs them: each request of a person may land on either server.

One pair of servers serves the whole story (starting them is the slow part): a thread made
on one is run on the other; a run started on one streams from the other; a thread asked
to run on both at once runs once; a server that hangs mid-tool (SIGSTOP: its connections
stay open, so its database session keeps the thread's lock) has its runs taken over by the
other with no one asking: the running one's tool call gets exactly one result, and the one
still waiting its turn (`runs_at_once: 1`) starts there with its message, asked once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path

import httpx
import pytest

from store.database import URL_ENV
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.round_robin_proxy import RoundRobinProxy
from tests.fakes.transcript_checks import user_texts
from tests.web.test_web_two_servers import SLEEP_ONCE, run_body, wait_until
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready

pytestmark = pytest.mark.timeout(420)
TAKEOVER_S = 3  # server.takeover_after_s: a silent server's runs are taken over after this


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def messages_of(api: httpx.Client, thread: str) -> list[dict[str, object]]:
    return (api.get(f"/threads/{thread}/state").json()["values"] or {}).get("messages", [])


def last_words(api: httpx.Client, thread: str) -> object:
    return next(reversed(messages_of(api, thread)), {}).get("content")


def ask_at_once(servers: list[httpx.Client], thread: str) -> dict[int, httpx.Response]:
    """Each server asked at the same time to run the thread (`ask N`, N its index); answers."""
    answers: dict[int, httpx.Response] = {}

    def ask(index: int) -> None:
        body = run_body(f"ask {index}")
        answers[index] = servers[index].post(f"/threads/{thread}/runs/wait", json=body)

    askers = [threading.Thread(target=ask, args=(i,)) for i in range(len(servers))]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(120)
    return answers


def test_two_servers_behind_a_round_robin_proxy(
    llm: ScriptedLLMServer, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = tmp_path / "shared-ws"
    workspace.mkdir()
    ports = [free_port(), free_port()]
    proxy = RoundRobinProxy([f"127.0.0.1:{port}" for port in ports])
    monkeypatch.setenv(URL_ENV, pg_url)
    monkeypatch.setenv("ML_INTERN_ALLOWED_HOSTS", proxy.url.removeprefix("http://"))
    servers = []
    for name, port in zip("ab", ports, strict=True):
        root = tmp_path / name
        root.mkdir()
        args = ("--port", str(port))
        settings = {"server": {"takeover_after_s": TAKEOVER_S, "runs_at_once": 1}}
        servers.append(start_web(workspace, root / "home", llm.url, root, *args, settings=settings))
    hung_servers: list[int] = []
    direct = [
        httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=120, trust_env=False) for p in ports
    ]
    with proxy, proxy.client(timeout=120) as api:
        try:
            for proc, out in servers:
                wait_for_ready(proc, out)

            # Made on one server, run on the other, listed by both.
            thread = api.post("/threads", json={}).json()["thread_id"]
            llm.add(Turn(content="Picked Qwen."))
            made = api.post(f"/threads/{thread}/runs/wait", json=run_body("pick a model"))
            assert made.status_code == 200, made.text
            assert proxy.landed[:2] in ([0, 1], [1, 0])
            for server in direct:
                found = server.post("/threads/search", json={"limit": 10}).json()
                assert [t["thread_id"] for t in found] == [thread]

            # Started on one server, streamed from the other as it goes.
            llm.add(Turn(content="Streamed across servers.", delay=3))
            started = api.post(f"/threads/{thread}/runs", json=run_body("stream it"))
            assert started.status_code == 200, started.text
            run_id, owner = started.json()["run_id"], proxy.landed[-1]
            proxy.send_next_to(1 - owner)
            runs = api.get(f"/threads/{thread}/runs").json()  # as a reloaded page asks
            assert run_id in [r["run_id"] for r in runs]
            proxy.send_next_to(1 - owner)
            with api.stream("GET", f"/threads/{thread}/runs/{run_id}/stream") as joined:
                assert joined.status_code == 200
                streamed = "".join(joined.iter_text())
            assert proxy.landed[-2:] == [1 - owner, 1 - owner]
            assert "Streamed across servers." in streamed

            # Asked on both servers at once: it runs once; the other is told it is busy.
            llm.add(Turn(content="Ran once.", delay=1))
            answers = ask_at_once(direct, thread)
            ran = [i for i, a in answers.items() if "Ran once." in a.text]
            assert len(ran) == 1, {i: a.text[-300:] for i, a in answers.items()}
            refused = answers[1 - ran[0]]
            assert "already running" in refused.text, refused.text
            texts = user_texts(llm.requests[-1])
            assert texts[-1] == f"ask {ran[0]}"
            asked = [m for m in messages_of(direct[0], thread) if m["type"] == "human"]
            assert [m["content"] for m in asked][-1] == f"ask {ran[0]}"
            assert f"ask {1 - ran[0]}" not in str(asked)

            # The server running a tool hangs, another thread's run waiting its turn on it:
            # the other server takes both over by itself.
            call = {"name": "bash", "arguments": {"command": SLEEP_ONCE}, "id": "call_sleep"}
            done = Turn(content="Finished after the takeover.")
            llm.add(Turn(tool_calls=[call]), done, done)
            started = api.post(f"/threads/{thread}/runs", json=run_body("do the long thing"))
            assert started.status_code == 200, started.text
            run_id, owner = started.json()["run_id"], proxy.landed[-1]
            marker = workspace / "started"
            wait_until(lambda: marker.exists() and marker.read_text().strip(), "no tool ran")
            tool = int(marker.read_text().strip())
            second = direct[owner].post("/threads", json={}).json()["thread_id"]
            waits = direct[owner].post(f"/threads/{second}/runs", json=run_body("and this too"))
            assert waits.status_code == 200, waits.text
            waiting_run = waits.json()["run_id"]
            wait_until(
                lambda: direct[owner].get(f"/web/threads/{second}/waiting").json()["waiting"],
                "the second run never waited its turn",
            )
            hung = parent_of(tool)  # the server (under the tests' shim, a fork of it)
            hung_servers.append(hung)
            os.killpg(hung, signal.SIGSTOP)
            os.killpg(tool, signal.SIGKILL)
            other = direct[1 - owner]
            wait_until(
                lambda: last_words(other, thread) == "Finished after the takeover.",
                "the other server did not take the run over",
            )
            results = [m for m in messages_of(other, thread) if m["type"] == "tool"]
            assert [m["tool_call_id"] for m in results] == ["call_sleep"]
            assert "second run" in str(results[0]["content"])
            joined = other.get(f"/threads/{thread}/runs/{run_id}/join")  # the old run's id
            assert joined.status_code == 200, joined.text
            assert "Finished after the takeover." in joined.text
            wait_until(
                lambda: last_words(other, second) == "Finished after the takeover.",
                "the waiting run was not started on the other server",
            )
            asked = [m["content"] for m in messages_of(other, second) if m["type"] == "human"]
            assert asked == ["and this too"]
            assert sum(user_texts(r)[-1:] == ["and this too"] for r in llm.requests) == 1
            joined = other.get(f"/threads/{second}/runs/{waiting_run}/join")
            assert joined.status_code == 200, joined.text
        finally:
            for client in direct:
                client.close()
            for stopped in hung_servers:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(stopped, signal.SIGKILL)
            for proc, _ in servers:
                stop_web(proc)
            for name in "ab":
                log = tmp_path / name / "home" / "web" / "server.log"
                print(log.read_text(errors="replace")[-3000:] if log.exists() else "")
