"""`ml-intern web --db URL`: a thread the CLI made on another machine runs in the web server,
and a thread running elsewhere is refused with the reason."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest

from store.checkpointer import default_db_path
from store.thread_index import ThreadIndex
from store.thread_lock import ThreadLock
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import user_texts
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready

pytestmark = pytest.mark.timeout(300)
THREAD = "5b1c3e2a-8f0d-4c55-9a6e-2f4d1b7c9e01"  # the LangGraph server takes UUIDs only


def test_a_cli_thread_runs_in_a_web_server_on_the_same_database(
    llm: ScriptedLLMServer, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = tmp_path / "laptop"
    (laptop / "ws").mkdir(parents=True)
    env = {**os.environ, "ML_INTERN_HOME": str(laptop / "home"), "OPENAI_API_BASE": llm.url}
    llm.add(Turn(content="Picked Qwen."))
    made = zygote_run(
        [sys.executable, "-m", "cli", "--db", pg_url, "--model", "openai/scripted-model",
         "--thread-id", THREAD, "pick a base model"],
        cwd=laptop / "ws", env=env, text=True, timeout=200,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr

    server_home, workspace = tmp_path / "server-home", tmp_path / "server-ws"
    workspace.mkdir()
    port = free_port()
    proc, out = start_web(workspace, server_home, llm.url, tmp_path, "--port", str(port),
                          "--db", pg_url)  # fmt: skip
    try:
        wait_for_ready(proc, out)
        url = f"http://127.0.0.1:{port}"
        body = {"assistant_id": "ml_intern",
                "input": {"messages": [{"type": "human", "content": "now fine-tune it"}]}}  # fmt: skip
        monkeypatch.setenv("ML_INTERN_DATABASE_URL", pg_url)
        with ThreadLock(tmp_path / "elsewhere", THREAD):  # running on a third machine
            refused = httpx.post(f"{url}/threads/{THREAD}/runs/wait", json=body,
                                 trust_env=False, timeout=120)  # fmt: skip
        assert refused.status_code == 409, refused.text
        assert "already running in another ml-intern process" in refused.text

        llm.add(Turn(content="Fine-tuning it."))
        done = httpx.post(f"{url}/threads/{THREAD}/runs/wait", json=body, trust_env=False,
                          timeout=120)  # fmt: skip
        assert done.status_code == 200, done.text
        assert user_texts(llm.requests[-1])[-2:] == ["pick a base model", "now fine-tune it"]
        assert not (server_home / "threads.sqlite").exists()
    finally:
        assert stop_web(proc) == 0, out.read_text()


def test_a_thread_made_in_token_mode_belongs_to_nobody_whatever_its_metadata_says(
    llm: ScriptedLLMServer, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a shared database a new thread's index row is written at once with its owner, and
    the team server's replicas where people sign in give the thread to that owner
    (serve/aegra/thread_adoption.py). Without sign-in nobody is anybody: a client's
    `metadata.owner` must not put its thread in a person's list there."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    port = free_port()
    proc, out = start_web(workspace, tmp_path / "home", llm.url, tmp_path, "--port", str(port),
                          "--db", pg_url)  # fmt: skip
    try:
        wait_for_ready(proc, out)
        planted = {"metadata": {"owner": "alice-sub", "title": "from alice"}}
        made = httpx.post(f"http://127.0.0.1:{port}/threads", json=planted, trust_env=False)
        assert made.status_code == 200, made.text
        monkeypatch.setenv("ML_INTERN_DATABASE_URL", pg_url)
        with ThreadIndex(default_db_path()) as index:
            row = index.get(made.json()["thread_id"])
        assert row is not None and row.owner == "", row
    finally:
        assert stop_web(proc) == 0, out.read_text()
