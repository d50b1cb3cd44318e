"""The same thread everywhere: a thread the CLI made on the team server's database, left
waiting on an approval, opens on a replica that started before it, is listed there, its
approval is answered on the other replica, and the CLI then continues it with both turns. A CLI
and the team server never run one thread at once (the thread lock).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from store.database import URL_ENV
from store.thread_lock import ThreadLock
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import Turn
from tests.fakes.transcript_checks import user_texts
from tests.serve.aegra.conftest import Team
from tests.serve.aegra.test_team_limits import HOLD, poll
from tests.serve.aegra.test_team_server import APPROVE, messages, start_run, wait_for_run
from tests.web.web_harness import bash

pytestmark = pytest.mark.timeout(300)


async def cli_turn(llm_url: str, workspace: Path, thread: str, text: str, mode: str) -> None:
    settings = fast_settings(llm_url)
    async with open_session(settings, workspace, thread_id=thread, mode=mode) as session:
        await collect(session.send(text))


def approved_to_the_end(replica: httpx.Client, thread: str, watched_on: httpx.Client) -> None:
    """The thread's waiting call approved on `replica`, its run followed to success."""
    resumed = replica.post(
        f"/threads/{thread}/runs", json={"assistant_id": "ml_intern", "command": APPROVE}
    )
    assert resumed.status_code == 200, resumed.text
    assert wait_for_run(watched_on, thread, resumed.json()["run_id"])["status"] == "success"


def test_a_cli_thread_waiting_on_an_approval_is_answered_on_the_team_server(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    (a, b), llm, workspace = team.replicas, team.llm, team.workspace
    thread = str(uuid.uuid4())  # the CLI's, new on the team's database
    monkeypatch.setenv(URL_ENV, team.pg_url)
    llm.add(Turn(tool_calls=[bash("c1", "echo from-the-cli-thread >> made.txt")]))
    asyncio.run(cli_turn(llm.url, workspace, thread, "make a file", "interactive"))
    assert not (workspace / "made.txt").exists()  # the CLI left the call waiting

    opened = a.get(f"/threads/{thread}")
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "interrupted"
    listed = b.post("/threads/search", json={"limit": 10}).json()
    assert thread in [t["thread_id"] for t in listed]

    llm.add(Turn(content="Made it for the CLI's thread."))
    approved_to_the_end(b, thread, watched_on=a)
    assert (workspace / "made.txt").read_text() == "from-the-cli-thread\n"
    assert messages(a, thread)[-1]["content"] == "Made it for the CLI's thread."

    llm.add(Turn(content="Both turns seen."))
    asyncio.run(cli_turn(llm.url, workspace, thread, "what did you do?", "headless"))
    assert user_texts(llm.requests[-1])[-2:] == ["make a file", "what did you do?"]
    assert messages(b, thread)[-1]["content"] == "Both turns seen."


def test_a_thread_the_cli_took_up_after_a_replica_ran_it_is_brought_in_again_there(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replica skips bringing in a thread whose index row it wrote last; once the CLI has
    written it since (a call left waiting on an approval), that replica looks again, and the
    approval is answered there."""
    a, llm, workspace = team.replicas[0], team.llm, team.workspace
    thread = a.post("/threads", json={}).json()["thread_id"]
    llm.add(Turn(content="Hello from the team."))
    first = start_run(a, thread, "say hello", mode="headless")
    assert first.status_code == 200, first.text
    assert wait_for_run(a, thread, first.json()["run_id"])["status"] == "success"

    monkeypatch.setenv(URL_ENV, team.pg_url)
    llm.add(Turn(tool_calls=[bash("c2", "echo from-the-cli-later >> later.txt")]))
    asyncio.run(cli_turn(llm.url, workspace, thread, "make a file", "interactive"))
    assert not (workspace / "later.txt").exists()  # the CLI left the call waiting

    llm.add(Turn(content="Made it for the CLI."))
    approved_to_the_end(a, thread, watched_on=a)
    assert (workspace / "later.txt").read_text() == "from-the-cli-later\n"
    assert messages(a, thread)[-1]["content"] == "Made it for the CLI."


def test_a_cli_and_the_team_server_never_run_one_thread_at_once(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CLI pointed at the team server's database works beside it, on the thread lock: a
    thread a worker runs is refused to the CLI with the holder's name, and a thread the CLI
    runs is refused by the replicas (409); each goes on once the other is done."""
    (a, b), llm, workspace, pg_url = team.replicas, team.llm, team.workspace, team.pg_url
    monkeypatch.setenv(URL_ENV, pg_url)
    thread = a.post("/threads", json={}).json()["thread_id"]
    llm.add(Turn(tool_calls=[bash("w1", HOLD)]), Turn(content="The worker's turn."))
    body = {"assistant_id": "ml_intern", "context": {"mode": "headless"},
            "input": {"messages": [{"type": "human", "content": "hold on"}]}}  # fmt: skip
    run = a.post(f"/threads/{thread}/runs", json=body)
    assert run.status_code == 200, run.text
    poll(lambda: len(llm.requests) >= 1 and a.get(f"/threads/{thread}").json()["status"] == "busy",
         "the team server never ran the thread")  # fmt: skip

    env = {**os.environ, "ML_INTERN_HOME": str(tmp_path / "laptop"), "OPENAI_API_BASE": llm.url}
    cli = zygote_run(
        [sys.executable, "-m", "cli", "--db", pg_url, "--model", "openai/scripted-model",
         "--resume", thread, "are you done?"],
        cwd=workspace, env=env, text=True, timeout=200,
    )  # fmt: skip
    assert cli.returncode != 0, cli.stdout
    assert "already running in another ml-intern process (pid " in cli.stderr, cli.stderr
    assert "Traceback" not in cli.stderr, cli.stderr

    (workspace / "go").write_text("")
    assert wait_for_run(a, thread, run.json()["run_id"])["status"] == "success"
    assert messages(b, thread)[-1]["content"] == "The worker's turn."
    assert [m["type"] for m in messages(b, thread)].count("human") == 1  # the CLI's never ran

    with ThreadLock(tmp_path / "laptop", thread):  # the CLI runs it now
        refused = b.post(f"/threads/{thread}/runs", json=body)
        assert refused.status_code == 409, refused.text
        assert "already running in another ml-intern process" in refused.json()["detail"]
    llm.add(Turn(content="After the CLI."))
    again = b.post(f"/threads/{thread}/runs", json=body)
    assert again.status_code == 200, again.text
    assert wait_for_run(a, thread, again.json()["run_id"])["status"] == "success"
    assert messages(a, thread)[-1]["content"] == "After the CLI."
