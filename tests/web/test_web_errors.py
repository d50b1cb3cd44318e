"""A provider error in the page: its own sentence and the fix, kept in the thread.

The real `ml-intern web` with a model whose key is missing (no OPENAI_API_KEY, no api_base):
the run fails in the server, and the page shows the sentence that names the variable to set,
not "An internal error occurred"; after a reload it is still there, and Studio's run error
(the REST API's thread state) carries the same sentence. On the scripted model, a 401, an
unknown model (404), a rate limit (429, after the retries), a context overflow and a dead
endpoint each show their sentence and the fix in the page's words.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import (
    Chromium,
    free_port,
    open_page,
    say,
    snap,
    start_web,
    stop_web,
    wait_for_ready,
    web_with,
)

pytest_plugins = ("tests.web.web_harness",)  # the fixture: chromium

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


async def test_a_missing_key_shows_its_sentence_and_stays(
    chromium: Chromium, keyless_web: str, tmp_path: Path
) -> None:
    async with chromium() as browser:
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
    state = httpx.get(f"{keyless_web}/threads/{thread}/state", trust_env=False).json()
    errors = [task["error"] for task in state["tasks"] if task.get("error")]
    assert MISSING_KEY in json.dumps(errors), errors  # what Studio shows for the run


# What the scripted model answers, what the page must say, and the fix in the page's words
# (never a flag such as --model or a slash command such as /new).
PROVIDER_ERRORS = {
    "401": (
        [Turn(status=401, error_message="Incorrect API key provided")],
        "rejected the credentials for openai/scripted-model",
        "Set OPENAI_API_KEY, or pick another model in the model picker",
    ),
    "404": (
        [Turn(status=404, error_message="The model `scripted-model` does not exist")],
        "does not know the model openai/scripted-model",
        "Check the model id, or pick another model in the model picker",
    ),
    "429": (  # after the retries (one here)
        [Turn(status=429, error_code="rate_limit_exceeded", headers={"Retry-After": "0"})] * 2,
        "is rate-limiting openai/scripted-model",
        "Wait a minute and send again, or pick another model in the model picker",
    ),
    "overflow": (
        [Turn(status=400, error_code="context_length_exceeded")],
        "no longer fits the model's context window",
        "Start a new thread (New thread) or Undo the last turn",
    ),
}
CLI_WORDS = ("--model", "/model", "/new", "/undo")


@pytest.fixture
def erring_web(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> Iterator[str]:
    """The page on the scripted model, retrying a failed call once, at once."""
    retries = {"model_retries": 1, "retry_base_delay_s": 0, "retry_max_delay_s": 0}
    with web_with(retries, llm.url, isolated_home, workspace, tmp_path) as url:
        yield url


async def shows_and_keeps(page: Page, says: str, fix: str) -> str:
    """The thread's failure says `says` and `fix`, also after a reload; its text."""
    failure = page.get_by_role("alert").filter(has_text="The run stopped with an error")
    await expect(failure).to_contain_text(says, timeout=60_000)  # as the run ends
    await expect(failure).to_contain_text(fix)
    await page.reload()
    await expect(failure).to_contain_text(says)  # then after a reload
    await expect(failure).to_contain_text(fix)
    return await failure.inner_text()


@pytest.mark.timeout(300)
async def test_provider_errors_say_what_to_do_in_the_pages_words(
    chromium: Chromium, erring_web: str, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    async with chromium() as browser:
        page = await open_page(browser, f"{erring_web}/")
        for name, (turns, says, fix) in PROVIDER_ERRORS.items():
            await page.get_by_role("button", name="New thread").click()
            llm.add(*turns)
            await say(page, f"a question that meets a {name}")
            shown = await shows_and_keeps(page, says, fix)
            assert not any(word in shown for word in CLI_WORDS), (name, shown)
            await snap(page, tmp_path, f"web-error-{name}.png")
        # The model's server goes away: a network error, once the retry fails too.
        llm.stop()
        await page.get_by_role("button", name="New thread").click()
        await say(page, "anyone there?")
        shown = await shows_and_keeps(page, "Could not reach", "Check that the server is up")
        assert "pick another model in the model picker" in shown, shown
