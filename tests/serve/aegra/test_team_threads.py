"""The same thread everywhere: a thread the CLI made on the team server's database, left
waiting on an approval, opens on a replica that started before it, is listed there, its
approval is answered on the other replica, and the CLI then continues it with both turns.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from store.database import URL_ENV
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import user_texts
from tests.serve.aegra.test_team_server import APPROVE, messages, wait_for_run
from tests.web.web_harness import bash

pytestmark = pytest.mark.timeout(300)
THREAD = "8e3f2a10-5c4b-4d7e-9f61-0a2b3c4d5e6f"


async def cli_turn(llm_url: str, workspace: Path, text: str, mode: str) -> None:
    settings = fast_settings(llm_url)
    async with open_session(settings, workspace, thread_id=THREAD, mode=mode) as session:
        await collect(session.send(text))


def test_a_cli_thread_waiting_on_an_approval_is_answered_on_the_team_server(
    replicas: list[httpx.Client], llm: ScriptedLLMServer, workspace: Path, pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    a, b = replicas
    monkeypatch.setenv(URL_ENV, pg_url)
    llm.add(Turn(tool_calls=[bash("c1", "echo from-the-cli-thread >> made.txt")]))
    asyncio.run(cli_turn(llm.url, workspace, "make a file", "interactive"))
    assert not (workspace / "made.txt").exists()  # the CLI left the call waiting

    opened = a.get(f"/threads/{THREAD}")
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "interrupted"
    listed = b.post("/threads/search", json={"limit": 10}).json()
    assert THREAD in [t["thread_id"] for t in listed]

    llm.add(Turn(content="Made it for the CLI's thread."))
    resumed = b.post(
        f"/threads/{THREAD}/runs", json={"assistant_id": "ml_intern", "command": APPROVE}
    )
    assert resumed.status_code == 200, resumed.text
    assert wait_for_run(a, THREAD, resumed.json()["run_id"])["status"] == "success"
    assert (workspace / "made.txt").read_text() == "from-the-cli-thread\n"
    assert messages(a, THREAD)[-1]["content"] == "Made it for the CLI's thread."

    llm.add(Turn(content="Both turns seen."))
    asyncio.run(cli_turn(llm.url, workspace, "what did you do?", "headless"))
    assert user_texts(llm.requests[-1])[-2:] == ["make a file", "what did you do?"]
    assert messages(b, THREAD)[-1]["content"] == "Both turns seen."
