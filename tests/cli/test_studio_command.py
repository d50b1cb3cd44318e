"""`ml-intern studio` from any directory: the real server, the CLI's threads, that directory.

Starts `ml-intern studio` in a workspace far from this repository, checks that the CLI's
threads are listed by the server, that a run through the server works in that workspace
(with an MCP server's tool, as in the CLI) and lands in the CLI's thread index, and that
Ctrl-C stops everything, the MCP server's process included.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from cli.server_address import free_port
from store.thread_index import ThreadIndex
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.cli_zygote import ZygotePopen
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer, Turn

FAKE_MCP = Path(__file__).resolve().parents[1] / "fakes" / "mcp_stdio_server.py"


def processes_with(marker: str) -> list[int]:
    """Pids whose command line holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


async def test_studio_serves_this_directory_on_the_cli_threads(
    llm: ScriptedLLMServer, isolated_home: Path, tmp_path: Path
) -> None:
    from langgraph_sdk import get_client

    workspace = tmp_path / "elsewhere" / "project"
    workspace.mkdir(parents=True)
    llm.add(Turn(content="hello from the CLI"))
    async with open_session(fast_settings(llm.url), workspace) as session:
        await collect(session.send("cli thread"))
        cli_thread = session.thread_id
    llm.add(Turn(content="hello from a script"))
    async with open_session(fast_settings(llm.url), workspace, thread_id="nightly-run") as named:
        await collect(named.send("a thread a script named"))

    config = tmp_path / "config.json"
    marker = f"mcp-{uuid.uuid4().hex}"
    mcp = {"fake": {"command": sys.executable, "args": [str(FAKE_MCP), marker]}}
    config.write_text(
        json.dumps({"model_name": "openai/scripted-model", "api_base": llm.url, "mcpServers": mcp})
    )
    env = {**os.environ, "ML_INTERN_HOME": str(isolated_home), "ML_INTERN_CLI_CONFIG": str(config)}
    port = free_port()
    out = tmp_path / "studio.out"
    with out.open("w") as sink:
        proc = ZygotePopen(
            [sys.executable, "-m", "cli", "studio", "--port", str(port)],
            cwd=workspace, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while "Ctrl-C to stop" not in out.read_text():
            assert proc.poll() is None, out.read_text()
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        assert f"serving {workspace}" in out.read_text()
        assert f"https://smith.langchain.com/studio/?baseUrl={url}" in out.read_text()
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            # Only Studio's own site and the SDK may drive it, not any page in the browser.
            evil = {"Origin": "https://evil.example", "Content-Type": "text/plain"}
            forged = await http.post("/threads", content="{}", headers=evil)
            assert forged.status_code == 403 and "evil.example" in forged.text
            rebound = await http.post("/threads/search", json={}, headers={"Host": "evil.example"})
            assert rebound.status_code == 403
            studio = {"Origin": "https://smith.langchain.com"}
            assert (await http.post("/threads/search", json={}, headers=studio)).status_code == 200
        client = get_client(url=url)
        listed = {t["thread_id"] for t in await client.threads.search(limit=50)}
        assert cli_thread in listed  # the CLI's thread, in the server's thread list
        # A thread named with --thread-id (no UUID) cannot live in the server: said, not fatal.
        assert "1 thread(s) named with --thread-id are not shown" in out.read_text()

        write = {"path": "made.txt", "content": "from studio\n"}
        echo = {"text": "through the server's MCP session"}
        llm.add(
            Turn(tool_calls=[{"name": "fake__echo", "id": "e1", "arguments": echo}]),
            Turn(tool_calls=[{"name": "write", "id": "w1", "arguments": write}]),
            Turn(content="wrote it"),
        )
        thread = await client.threads.create()
        user = {"messages": [{"role": "user", "content": "write made.txt", "type": "human"}]}
        await client.runs.wait(thread["thread_id"], "ml_intern", input=user)
        assert (workspace / "made.txt").read_text() == "from studio\n"
        echoed = [m for m in llm.requests[-2]["messages"] if m["role"] == "tool"]
        assert echoed[-1]["content"] == "through the server's MCP session"
        assert processes_with(marker)  # the MCP server runs while the server does
        assert not (workspace / ".langgraph_api").exists()  # the server's files stay out
        with ThreadIndex(isolated_home / "threads.sqlite") as index:
            info = index.get(thread["thread_id"])
        assert info is not None and info.title == "write made.txt"  # --resume finds it
        assert info.model == "openai/scripted-model"

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0  # the server is gone too
        assert not processes_with(marker)  # and so is the MCP server
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_taken_port_is_an_error_naming_it_and_its_holder(tmp_path: Path) -> None:
    """Never a silent move to another port (the printed address would be someone else's)."""
    env = {**os.environ, "ML_INTERN_HOME": str(tmp_path / "home")}
    with socket.create_server(("127.0.0.1", 0)) as holder:
        port = holder.getsockname()[1]
        for command in ("studio", "web"):
            done = zygote_run(
                [sys.executable, "-m", "cli", command, "--port", str(port)],
                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert done.returncode == 2, done.stderr
            assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
            assert f"pid {os.getpid()}" in done.stderr  # this test process holds it
            assert "--port 0" in done.stderr and "Open:" not in done.stdout


def test_studio_warns_of_an_unknown_adaptation_in_the_config(tmp_path: Path) -> None:
    """Said at start (the server goes on without the rule), before the port is even tried."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"adaptations": {"llamacpp/q": {"no-such-rule": True}}}))
    env = {**os.environ, "ML_INTERN_HOME": str(tmp_path / "home")}
    env["ML_INTERN_CLI_CONFIG"] = str(config)
    with socket.create_server(("127.0.0.1", 0)) as holder:
        port = holder.getsockname()[1]
        done = zygote_run(
            [sys.executable, "-m", "cli", "studio", "--port", str(port)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "warning: unknown adaptation 'no-such-rule'" in done.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr


def test_a_bad_runs_at_once_is_an_error_naming_the_key(tmp_path: Path) -> None:
    """A server that cannot size itself does not start (and prints no traceback)."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"server": {"runs_at_once": 0}}))
    env = {**os.environ, "ML_INTERN_HOME": str(tmp_path / "home")}
    env["ML_INTERN_CLI_CONFIG"] = str(config)
    for command in ("studio", "web"):
        done = zygote_run(
            [sys.executable, "-m", "cli", command, "--port", "0"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert "server.runs_at_once" in done.stderr and "Traceback" not in done.stderr
        assert "Open:" not in done.stdout


def test_port_zero_picks_a_free_port_and_prints_it(
    llm: ScriptedLLMServer, isolated_home: Path, tmp_path: Path
) -> None:
    import re

    from cli.server_address import ephemeral_start
    from tests.web.web_harness import start_web, stop_web, wait_for_ready

    workspace = tmp_path / "ws"
    workspace.mkdir()
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, "--port", "0")
    try:
        wait_for_ready(proc, out)
        found = re.search(r"Open: http://127\.0\.0\.1:(\d+)/", out.read_text())
        assert found and int(found.group(1)) != 0, out.read_text()
        # Below the ephemeral range: no client connection is handed it before it binds.
        assert int(found.group(1)) < ephemeral_start()
        answer = httpx.get(f"http://127.0.0.1:{found.group(1)}/ok", trust_env=False)
        assert answer.status_code == 200
    finally:
        assert stop_web(proc) == 0
