"""Two `ml-intern web` servers on one PostgreSQL database, as two machines of a team (and two
replicas of a Space, where people sign in).

Each server has its own ML_INTERN_HOME (its own LangGraph record of threads); they share
the database and the workspace. A thread made on A after B started is listed and opened
on B; asked on both at once, it runs once; while A runs it, B shows it busy and refuses a
second run, saying why; once A is killed (SIGKILL) mid-tool, B resumes the thread when asked
and finishes the turn with one result for the call; then a CLI on a third home continues the
thread by id. On a Space, a thread keeps its owner on the other server: only she sees it
there, nobody can claim its id. (Runs are not shared: a run is asked about on the server that
runs it. Servers that share runs are the team server's replicas, tests/serve/aegra/.)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from store.database import URL_ENV
from tests.fakes.cli_zygote import ZygotePopen
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.hf_oauth_server import FakeOAuth
from tests.fakes.hub_server import FakeHub
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.postgres import PASSWORD
from tests.fakes.transcript_checks import user_texts
from tests.web.test_web_oauth import (
    ALICE,
    BOB,
    ROUTER_MODEL,
    Space,
    run_turn,
    server_env,
    signed_in,
)
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready

pytestmark = pytest.mark.timeout(420)
SEARCH = {"limit": 100, "sort_by": "updated_at", "sort_order": "desc"}
# tests/cli/conftest.py's SLEEP_ONCE without `[`: a glob character in a bash command makes the
# approval policy scan the disk on the server's event loop, which `langgraph dev` refuses.
SLEEP_ONCE = "if test -f started; then echo second run; else echo $$ > started; sleep 30; fi"


def serve_two(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str, env: pytest.MonkeyPatch
) -> list[tuple[subprocess.Popen[bytes], Path, str]]:
    """Servers A and B, started together (each has its own home and files): A is given the
    database with `--db`, B through ML_INTERN_DATABASE_URL."""
    started = []
    for name, db in (("a", ["--db", pg_url]), ("b", [])):
        if not db:
            env.setenv(URL_ENV, pg_url)
        root = tmp_path / name
        root.mkdir()
        port = free_port()
        proc, out = start_web(workspace, root / "home", llm.url, root, "--port", str(port), *db)
        started.append((proc, out, f"http://127.0.0.1:{port}"))
    for proc, out, _ in started:
        wait_for_ready(proc, out)
    return started


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def kill_9(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL `ml-intern web` and its LangGraph server's whole process group: a crash."""
    for child in children(proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child, signal.SIGKILL)
    proc.kill()
    proc.wait(10)


def run_body(text: str | None) -> dict[str, object]:
    messages = {"messages": [{"type": "human", "content": text}]} if text else None
    return {"assistant_id": "ml_intern", "input": messages, "context": {"mode": "headless"}}


def run_a_tool_that_waits(
    api: httpx.Client, thread_url: str, llm: ScriptedLLMServer, workspace: Path, finish: str
) -> Path:
    """Start a run of the thread at `thread_url` whose tool waits (`SLEEP_ONCE`), the model
    saying `finish` after it; once the tool runs, its marker file (holding its pid)."""
    call = {"name": "bash", "arguments": {"command": SLEEP_ONCE}, "id": "call_sleep"}
    llm.add(Turn(tool_calls=[call]), Turn(content=finish))
    started = api.post(f"{thread_url}/runs", json=run_body("do the long thing"))
    assert started.status_code == 200, started.text
    marker = workspace / "started"
    wait_until(lambda: marker.exists() and marker.read_text().strip(), "the tool never ran")
    return marker


def ask_at_once(api: httpx.Client, urls: list[str], thread: str) -> dict[int, httpx.Response]:
    """Each server asked at the same time to run the thread (`ask N`, N its index); answers."""
    answers: dict[int, httpx.Response] = {}

    def ask(index: int) -> None:
        run = f"{urls[index]}/threads/{thread}/runs/wait"
        answers[index] = api.post(run, json=run_body(f"ask {index}"))

    askers = [threading.Thread(target=ask, args=(i,)) for i in range(len(urls))]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(120)
    return answers


def wait_until(condition: object, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_two_servers_share_threads_busy_state_and_recovery(
    llm: ScriptedLLMServer, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(URL_ENV, raising=False)
    monkeypatch.setenv("ML_INTERN_SESSION_SECRET", "both-servers")  # docs/web.md: recovery
    workspace = tmp_path / "shared-ws"
    workspace.mkdir()
    (a, a_out, a_url), (b, b_out, b_url) = serve_two(llm, workspace, tmp_path, pg_url, monkeypatch)
    api = httpx.Client(trust_env=False, timeout=120)
    try:
        # `--db` with a password: said once; the server A started has no password in its argv.
        assert a_out.read_text().count("visible to other users of this machine") == 1
        (server,) = children(a.pid)
        argv = Path(f"/proc/{server}/cmdline").read_bytes().split(b"\0")
        assert b"dev" in argv and PASSWORD.encode() not in b" ".join(argv)

        # Made and run on A after both started: B lists it and opens it.
        thread = api.post(f"{a_url}/threads", json={}).json()["thread_id"]
        llm.add(Turn(content="Picked Qwen."))
        made = api.post(f"{a_url}/threads/{thread}/runs/wait", json=run_body("pick a model"))
        assert made.status_code == 200, made.text
        listed = {
            t["thread_id"]: t for t in api.post(f"{b_url}/threads/search", json=SEARCH).json()
        }
        assert thread in listed, listed
        assert listed[thread]["metadata"]["title"] == "pick a model"
        state = api.get(f"{b_url}/threads/{thread}/state").json()
        assert "Picked Qwen." in [m["content"] for m in state["values"]["messages"]]

        # Asked on both servers at once: it runs once; the other is told it is busy.
        llm.add(Turn(content="Ran once.", delay=1))
        answers = ask_at_once(api, [a_url, b_url], thread)
        ran = [i for i, answer in answers.items() if "Ran once." in answer.text]
        assert len(ran) == 1, {i: answer.text[-300:] for i, answer in answers.items()}
        assert "already running" in answers[1 - ran[0]].text, answers[1 - ran[0]].text
        assert user_texts(llm.requests[-1])[-1] == f"ask {ran[0]}"
        state = api.get(f"{a_url}/threads/{thread}/state").json()
        asked = [m["content"] for m in state["values"]["messages"] if m["type"] == "human"]
        assert asked[-1] == f"ask {ran[0]}" and f"ask {1 - ran[0]}" not in asked

        # A runs it (a tool that waits): B shows it busy and refuses a second run.
        marker = run_a_tool_that_waits(api, f"{a_url}/threads/{thread}", llm, workspace,
                                       "Finished after the crash.")  # fmt: skip
        assert api.get(f"{b_url}/threads/{thread}").json()["status"] == "busy"
        found = api.post(f"{b_url}/threads/search", json=SEARCH).json()
        assert [t["status"] for t in found if t["thread_id"] == thread] == ["busy"]
        refused = api.post(f"{b_url}/threads/{thread}/runs/wait", json=run_body("hello?"))
        assert refused.status_code == 409, refused.text
        assert "already running in another ml-intern process" in refused.text

        # A dies mid-tool; its lock goes with its database session; B finishes the turn.
        kill_9(a)
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.killpg(int(marker.read_text().strip()), signal.SIGKILL)
        wait_until(
            lambda: api.get(f"{b_url}/threads/{thread}").json()["status"] != "busy",
            "B still shows the thread busy after A died",
        )
        resumed = api.post(f"{b_url}/threads/{thread}/runs/wait", json=run_body(None))
        assert resumed.status_code == 200, resumed.text
        messages = api.get(f"{b_url}/threads/{thread}/state").json()["values"]["messages"]
        results = [m for m in messages if m["type"] == "tool"]
        assert [m["tool_call_id"] for m in results] == ["call_sleep"]  # one result, no orphan
        assert "second run" in str(results[0]["content"])
        assert messages[-1]["content"] == "Finished after the crash."

        # A CLI with a third home and only the URL continues the web thread by id.
        llm.add(Turn(content="Continued from the CLI."))
        laptop = tmp_path / "laptop"
        (laptop / "ws").mkdir(parents=True)
        env = {**os.environ, "ML_INTERN_HOME": str(laptop / "home"), "OPENAI_API_BASE": llm.url}
        env.pop(URL_ENV)  # only --db names the database
        cli = zygote_run(
            [sys.executable, "-m", "cli", "--db", pg_url, "--model", "openai/scripted-model",
             "--resume", thread, "and now?"],
            cwd=laptop / "ws", env=env, text=True, timeout=200,
        )  # fmt: skip
        assert cli.returncode == 0, cli.stderr
        assert "Continued from the CLI." in cli.stdout
        texts = user_texts(llm.requests[-1])
        assert texts[0] == "pick a model" and texts[-1] == "and now?"
        assert "do the long thing" in texts
    finally:
        api.close()
        stop_web(a)
        assert stop_web(b) == 0, b_out.read_text()
        for root in ("a", "b"):
            log = tmp_path / root / "home" / "web" / "server.log"
            print(log.read_text(errors="replace")[-3000:] if log.exists() else "")


def test_on_a_space_a_thread_keeps_its_owner_on_the_other_server(
    llm: ScriptedLLMServer, pg_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_name": ROUTER_MODEL, "stream": False}))
    workspace = tmp_path / "shared-ws"
    workspace.mkdir()
    with FakeOAuth(users={"alice": ALICE, "bob": BOB}) as provider, FakeHub(ALICE.token) as hub:
        spaces = []
        for name in ("a", "b"):
            home, port, out = tmp_path / name / "home", free_port(), tmp_path / f"{name}.out"
            env = {**server_env(home, config, provider, hub, llm.url), URL_ENV: pg_url}
            with out.open("w") as sink:
                proc = ZygotePopen(
                    [sys.executable, "-m", "cli", "web", "--host", "0.0.0.0", "--port", str(port)],
                    cwd=workspace, env=env, stdout=sink, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            spaces.append((Space(url, home, provider, hub, llm, "", proc, workspace), out))
        try:
            for space, out in spaces:
                wait_for_ready(space.proc, out)
            (a, _), (b, _) = spaces
            alice_a = signed_in(a, ALICE)
            thread = alice_a.post("/threads", json={}).json()["thread_id"]
            llm.add(Turn(content="alice's answer"))
            assert run_turn(alice_a, thread, "alice's question").status_code == 200

            # On B, before B ever listed it: Bob cannot claim the id, see it or read it.
            bob_b = signed_in(b, BOB)
            claim = bob_b.post("/threads", json={"thread_id": thread, "metadata": {}})
            assert claim.status_code == 409, claim.text
            assert bob_b.post("/threads/search", json={}).json() == []
            assert bob_b.get(f"/threads/{thread}/state").status_code == 404

            # Alice sees it on B as hers, and continues it there.
            alice_b = signed_in(b, ALICE)
            listed = alice_b.post("/threads/search", json={}).json()
            assert [(t["thread_id"], t["metadata"]["owner"]) for t in listed] == [
                (thread, ALICE.sub)
            ]
            llm.add(Turn(content="alice again, on B"))
            assert run_turn(alice_b, thread, "and on B?").status_code == 200
            texts = user_texts(llm.requests[-1])
            assert texts[0] == "alice's question" and texts[-1] == "and on B?"
        finally:
            for space, _ in spaces:
                stop_web(space.proc)
