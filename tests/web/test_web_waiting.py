"""The page says when a run waits for its turn, and why, then shows it running and done.

A server that runs one run at a time (`server.runs_at_once: 1`) is busy with a run started
through the API whose model answer is held; a message sent in the page waits, the page says
so in the server's words, and once the first run ends the second one answers. A run stopped
while it waits never reaches the model.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import user_texts
from tests.web.web_harness import (
    free_port,
    open_page,
    say,
    start_web,
    stop_web,
    wait_for_ready,
)

pytestmark = pytest.mark.timeout(300)
pytest_plugins = ("tests.web.web_harness",)  # the fixture: browser


@pytest.fixture
def web(llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path) -> Any:
    port = free_port()
    one_at_a_time = {"server": {"runs_at_once": 1}}
    proc, out = start_web(
        workspace, isolated_home, llm.url, tmp_path, "--port", str(port), settings=one_at_a_time
    )
    try:
        wait_for_ready(proc, out)
        yield f"http://127.0.0.1:{port}"
        assert stop_web(proc) == 0, out.read_text()
    finally:
        stop_web(proc)


async def held_in_flight(llm: ScriptedLLMServer) -> None:
    """Until the held run reached the model: the server's one run goes."""
    for _ in range(1200):
        if llm.in_flight == 1:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the held run never reached the model")


async def test_the_page_says_a_run_waits_for_its_turn(
    browser: Browser,
    web: str,
    llm: ScriptedLLMServer,
) -> None:
    release = threading.Event()

    def answer(request: dict[str, Any]) -> Turn:
        text = user_texts(request)[-1]
        if text == "hold the server":
            release.wait(120)
        return Turn(content=f"answered {text}")

    llm.responder = answer
    human = {"messages": [{"type": "human", "content": "hold the server"}]}
    with httpx.Client(base_url=web, trust_env=False, timeout=30) as api:
        thread = api.post("/threads", json={}).json()["thread_id"]
        body = {"assistant_id": "ml_intern", "input": human, "context": {"mode": "headless"}}
        assert api.post(f"/threads/{thread}/runs", json=body).status_code == 200
    page = await open_page(browser, f"{web}/")
    try:
        await held_in_flight(llm)
        await say(page, "second question")
        await expect(page.get_by_text("Waiting: the server is running all 1 runs")).to_be_visible()
        await expect(page.locator("#status")).to_have_text("Waiting for its turn")
        release.set()
        await expect(page.get_by_text("answered second question")).to_be_visible()
        await expect(page.get_by_text("Waiting: the server")).to_have_count(0)

        # A waiting run can be stopped before it starts: it never reaches the model.
        release.clear()
        with httpx.Client(base_url=web, trust_env=False, timeout=30) as api:
            assert api.post(f"/threads/{thread}/runs", json=body).status_code == 200
            await held_in_flight(llm)
            await say(page, "third question")
            await expect(
                page.get_by_text("Waiting: the server is running all 1 runs")
            ).to_be_visible()
            await page.get_by_role("button", name="Stop").click()
            await expect(page.get_by_text("Stopped.")).to_be_visible()
            release.set()
            for _ in range(1200):  # the held run ends; the stopped one never went
                if api.get(f"/threads/{thread}").json()["status"] == "idle":
                    break
                await asyncio.sleep(0.05)
        asked = [user_texts(request)[-1] for request in llm.requests]
        assert "second question" in asked and "third question" not in asked, asked
    finally:
        release.set()
        await page.context.close()
