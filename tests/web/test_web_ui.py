"""`ml-intern web` end to end: the real server, the scripted LLM, a real browser.

A person chats, approves one bash call and rejects another with feedback, reloads the page,
and the thread then continues in the CLI. Also: a public bind needs a token, and the token
guards the page and the API alike.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

CHROMIUM = shutil.which("chromium")
TIMEOUT_MS = 30_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_web(
    workspace: Path, home: Path, llm_url: str, tmp_path: Path, *args: str
) -> tuple[subprocess.Popen[bytes], Path]:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_name": "openai/scripted-model", "api_base": llm_url}))
    env = {**os.environ, "ML_INTERN_HOME": str(home), "ML_INTERN_CLI_CONFIG": str(config)}
    env.pop("ML_INTERN_WEB_TOKEN", None)
    out = tmp_path / f"web-{time.monotonic_ns()}.out"
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "web", *args],
            cwd=workspace, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return proc, out


def wait_for_ready(proc: subprocess.Popen[bytes], out: Path) -> None:
    deadline = time.monotonic() + 120
    while "Ctrl-C to stop" not in out.read_text():
        assert proc.poll() is None, out.read_text()
        assert time.monotonic() < deadline, out.read_text()
        time.sleep(0.2)


def stop_web(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()


@pytest.fixture
def web(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> Iterator[str]:
    port = free_port()
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, "--port", str(port))
    try:
        wait_for_ready(proc, out)
        assert f"Open: http://127.0.0.1:{port}/" in out.read_text()
        yield f"http://127.0.0.1:{port}"
        assert stop_web(proc) == 0, out.read_text()
    finally:
        stop_web(proc)
        print((isolated_home / "web" / "server.log").read_text(errors="replace")[-4000:])


@pytest.fixture
async def page(web: str) -> AsyncIterator[Page]:
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (/usr/bin/chromium); CI installs it")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 1280, "height": 820})
        page = await context.new_page()
        await page.goto(f"{web}/")
        yield page
        await browser.close()


def bash(call_id: str, command: str) -> dict[str, object]:
    return {"name": "bash", "id": call_id, "arguments": {"command": command}}


async def say(page: Page, text: str) -> None:
    await page.get_by_label("Message").fill(text)
    await page.get_by_role("button", name="Send").click()


async def snap(page: Page, tmp_path: Path, name: str) -> None:
    """A screenshot in tmp_path, to look at (`pytest -s` prints where)."""
    shot = tmp_path / name
    await page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")


async def test_chat_approve_reject_reload_then_the_cli_resumes(
    page: Page, llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    llm.add(Turn(content="Hello! Here is **bold**, `code` and a list:\n\n- one\n- two"))
    await say(page, "hi there")
    answer = page.locator(".msg.assistant").last
    await expect(answer).to_contain_text("Hello! Here is bold, code and a list:")
    await expect(answer.locator("strong")).to_have_text("bold")
    await expect(answer.locator("li")).to_have_count(2)
    chunks = await page.locator("#log").get_attribute("data-chunks")
    assert int(chunks or 0) > 1  # the answer arrived in pieces, rendered as they came
    assert "#thread=" in page.url

    llm.add(
        Turn(tool_calls=[bash("b1", "touch made.txt && echo made-it")]), Turn(content="Made it.")
    )
    await say(page, "make a file")
    await expect(page.get_by_role("button", name="Approve")).to_be_visible()
    await snap(page, tmp_path, "web-ui-approval.png")
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_text("Made it.")).to_be_visible()
    assert (workspace / "made.txt").exists()
    card = page.locator("details.tool").first
    await card.locator("summary").click()
    await expect(card.locator("pre.output")).to_contain_text("made-it")

    llm.add(Turn(tool_calls=[bash("b2", "touch other.txt")]), Turn(content="Understood, skipped."))
    await say(page, "make another")
    await page.get_by_role("button", name="Reject").click()
    await page.get_by_label("Feedback").fill("please use python instead")
    await page.get_by_role("button", name="Send feedback").click()
    await expect(page.get_by_text("Understood, skipped.")).to_be_visible()
    assert not (workspace / "other.txt").exists()
    tool_results = [m for m in llm.requests[-1]["messages"] if m["role"] == "tool"]
    assert "please use python instead" in str(tool_results[-1]["content"])
    await expect(page.locator("#usage")).to_contain_text(" in · ")

    await snap(page, tmp_path, "web-ui.png")
    await page.emulate_media(color_scheme="dark")
    await snap(page, tmp_path, "web-ui-dark.png")

    thread_id = page.url.split("#thread=")[1]
    await page.reload()
    await expect(page.get_by_text("Understood, skipped.")).to_be_visible()
    await expect(page.locator(".msg.user")).to_have_count(3)
    await expect(page.locator(".thread[aria-current]")).to_contain_text("hi there")
    await page.get_by_label("Search threads").fill("no such thread")
    await expect(page.locator(".thread")).to_have_count(0)

    llm.add(Turn(content="back in the CLI"))
    async with open_session(fast_settings(llm.url), workspace, thread_id=thread_id) as session:
        events = await collect(session.send("and now?"))
        messages = await session.messages()
    assert events[-1].data["final_text"] == "back in the CLI"
    humans = [m.content for m in messages if m.type == "human"]
    assert humans == ["hi there", "make a file", "make another", "and now?"]


def test_a_public_bind_without_a_token_is_refused(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    args = ("--host", "0.0.0.0", "--port", str(free_port()))
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, *args)
    assert proc.wait(timeout=60) == 2
    assert "refusing to serve on 0.0.0.0 without an access token" in out.read_text()
    assert "--token" in out.read_text()


def test_with_a_token_the_page_and_the_api_need_it(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    port = free_port()
    args = ("--host", "0.0.0.0", "--port", str(port), "--token", "s3cret")
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, *args)
    try:
        wait_for_ready(proc, out)
        url = f"http://127.0.0.1:{port}"
        assert f"Open: {url}/?token=s3cret" in out.read_text()
        with httpx.Client(base_url=url, trust_env=False, timeout=10) as client:
            assert client.get("/").status_code == 401
            assert client.get("/web/app.js").status_code == 401
            assert client.post("/threads/search", json={}).status_code == 401
            assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert client.get("/ok").status_code == 200
            entry = client.get("/?token=s3cret")
            assert (
                entry.status_code == 303 and "ml_intern_token=s3cret" in entry.headers["set-cookie"]
            )
            client.cookies.set("ml_intern_token", "s3cret")
            assert "<textarea" in client.get("/").text
            assert client.post("/threads/search", json={}).status_code == 200
        assert stop_web(proc) == 0
    finally:
        stop_web(proc)
