"""One thread list everywhere: a thread made in the page shows in `ml-intern threads list`
(and `-c`) in the served directory, a fork says what it forked from even when the title is
long, and `ml-intern web --model ID` is the model new threads use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import (
    free_port,
    module_server,
    say,
    snap,
    start_web,
    stop_web,
    wait_for_ready,
)

pytest_plugins = ("tests.web.web_harness",)  # the fixtures: module_web, browser, page


web, llm = module_server()  # one server for the module's page tests, each in a thread of its own


@pytest.fixture
def own_llm() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as server:
        yield server


@pytest.fixture
def served(module_web: tuple[str, ScriptedLLMServer], module_root: Path) -> tuple[Path, Path]:
    """The module server's (workspace, home)."""
    return module_root / "workspace", module_root / "ml-intern-home"


LONG = "Compare the validation loss of every checkpoint of the sentiment run and " * 2


def cli(workspace: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ML_INTERN_HOME": str(home)}
    return zygote_run(
        [sys.executable, "-m", "cli", *args], cwd=workspace, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


async def test_page_threads_are_in_the_cli_list_and_forks_say_so(
    page: Page, llm: ScriptedLLMServer, served: tuple[Path, Path], tmp_path: Path
) -> None:
    workspace, home = served
    llm.add(Turn(content="Here is the comparison."))
    await say(page, LONG)
    await expect(page.get_by_text("Here is the comparison.")).to_be_visible(timeout=90_000)
    thread = page.url.split("#thread=")[1]
    listed = cli(workspace, home, "threads", "list", "--json")
    rows = {row["thread_id"]: row for row in json.loads(listed.stdout)}
    assert thread in rows, listed.stdout + listed.stderr
    assert rows[thread]["cwd"] == str(workspace.resolve())
    elsewhere = cli(tmp_path, home, "threads", "list", "--json")
    assert thread not in elsewhere.stdout  # only in the directory it was served from

    await page.get_by_role("button", name="Fork thread").first.click()
    fork = page.locator(".thread-fork")
    await expect(fork).to_have_count(1)
    await expect(fork).to_have_attribute("title", f"Forked from “{LONG.strip()[:80]}”")
    await snap(page, tmp_path, "web-fork.png")
    listed = json.loads(cli(workspace, home, "threads", "list", "--json").stdout)
    forks = [row for row in listed if row["thread_id"] not in rows]  # new since the first list
    assert len(forks) == 1 and forks[0]["title"].endswith("(fork)"), forks
    assert forks[0]["cwd"] == str(workspace.resolve())


def test_web_model_flag_chooses_the_model_of_new_threads(
    own_llm: ScriptedLLMServer,
    isolated_home: Path,
    workspace: Path,
    tmp_path: Path,
) -> None:
    llm = own_llm  # a server of its own, with its own flag
    port = free_port()
    model = "openai/chosen-model"
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, "--port", str(port),
                          "--model", model)  # fmt: skip
    try:
        wait_for_ready(proc, out)
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{url}/web/models", trust_env=False).json()["model"] == model
        thread = httpx.post(f"{url}/threads", json={}, trust_env=False).json()["thread_id"]
        llm.add(Turn(content="answered by the chosen model"))
        body = {"assistant_id": "ml_intern",
                "input": {"messages": [{"type": "human", "content": "hi"}]}}  # fmt: skip
        done = httpx.post(f"{url}/threads/{thread}/runs/wait", json=body, trust_env=False,
                          timeout=120)  # fmt: skip
        assert done.status_code == 200, done.text
        assert llm.requests[-1]["model"] == "chosen-model"
    finally:
        assert stop_web(proc) == 0


def test_web_model_flag_without_its_key_is_an_error_at_once(tmp_path: Path) -> None:
    env = {**os.environ, "ML_INTERN_HOME": str(tmp_path / "home")}
    env.pop("ANTHROPIC_API_KEY", None)
    done = zygote_run(
        [sys.executable, "-m", "cli", "web", "--port", str(free_port()),
         "--model", "anthropic/claude-sonnet-4-5"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "ANTHROPIC_API_KEY" in done.stderr and "Open:" not in done.stdout


async def test_a_thread_deleted_in_the_cli_says_so_in_the_page(
    page: Page, llm: ScriptedLLMServer, served: tuple[Path, Path]
) -> None:
    workspace, home = served
    llm.add(Turn(content="soon gone"))
    await say(page, "short lived")
    await expect(page.get_by_text("soon gone")).to_be_visible(timeout=90_000)
    thread = page.url.split("#thread=")[1]
    deleted = cli(workspace, home, "threads", "delete", thread)
    assert deleted.returncode == 0, deleted.stderr
    await page.get_by_role("button", name="Undo").click()  # a step that reads the thread
    await expect(page.get_by_role("heading", name="No such thread")).to_be_visible()
    log = page.locator("#log")
    await expect(log.get_by_text("No such thread")).to_be_visible()
    await expect(log).to_contain_text("it may have been deleted")
    await expect(log).not_to_contain_text("soon gone")  # not shown as if it were still there
