"""A provider error in the page: its own sentence and the fix, kept in the thread.

The real `ml-intern web` with a model whose key is missing (no OPENAI_API_KEY, no api_base):
the run fails in the server, and the page shows the sentence that names the variable to set,
not "An internal error occurred"; after a reload it is still there, and Studio's run error
(the REST API's thread state) carries the same sentence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from tests.web.web_harness import (
    CHROMIUM,
    free_port,
    open_page,
    say,
    snap,
    start_web,
    stop_web,
    wait_for_ready,
)

MISSING_KEY = "Set OPENAI_API_KEY"


@pytest.fixture
def keyless_web(
    isolated_home: Path, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    port = free_port()
    proc, out = start_web(workspace, isolated_home, None, tmp_path, "--port", str(port))
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["model_name"] == "openai/scripted-model"
    try:
        wait_for_ready(proc, out)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_web(proc)


async def test_a_missing_key_shows_its_sentence_and_stays(keyless_web: str, tmp_path: Path) -> None:
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (/usr/bin/chromium); CI installs it")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = await open_page(browser, f"{keyless_web}/")
        await say(page, "hello?")
        failure = page.get_by_role("alert").filter(has_text="The run stopped with an error")
        await expect(failure).to_contain_text(MISSING_KEY, timeout=60_000)
        shown = await failure.inner_text()
        assert "internal error" not in shown.lower() and "ProviderError(" not in shown, shown
        await expect(page.locator("#error")).to_be_hidden()  # said once, in the thread
        await snap(page, tmp_path, "web-missing-key.png")
        await page.reload()
        await expect(failure).to_contain_text(MISSING_KEY)  # kept in the thread
        thread = page.url.split("#thread=")[1]
        await browser.close()
    state = httpx.get(f"{keyless_web}/threads/{thread}/state", trust_env=False).json()
    errors = [task["error"] for task in state["tasks"] if task.get("error")]
    assert MISSING_KEY in json.dumps(errors), errors  # what Studio shows for the run
