"""What the web UI's end-to-end tests share: the real `ml-intern web` server on the scripted
LLM, Debian's chromium driven by Playwright, and a few steps a person takes on the page.

Fixtures (import them into a test module to use them): `web` (the server's URL), `browser`
(a Playwright browser; each test opens its own pages), `page` (one page on `web`).
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
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.fakes.cli_zygote import ZygotePopen
from tests.fakes.llm_server import ScriptedLLMServer

CHROMIUM = shutil.which("chromium")
TIMEOUT_MS = 30_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_web(
    workspace: Path,
    home: Path,
    llm_url: str | None,
    tmp_path: Path,
    *args: str,
    settings: dict[str, object] | None = None,
) -> tuple[subprocess.Popen[bytes], Path]:
    """`ml-intern web *args` on the scripted model at `llm_url` (None: no api_base, so the
    model needs OPENAI_API_KEY), with `settings` added to its config."""
    config = tmp_path / "config.json"
    settings = {"model_name": "openai/scripted-model", "api_base": llm_url, **(settings or {})}
    config.write_text(json.dumps({k: v for k, v in settings.items() if v is not None}))
    env = {**os.environ, "ML_INTERN_HOME": str(home), "ML_INTERN_CLI_CONFIG": str(config)}
    env.pop("ML_INTERN_WEB_TOKEN", None)
    out = tmp_path / f"web-{time.monotonic_ns()}.out"
    with out.open("w") as sink:
        proc = ZygotePopen(
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


@contextmanager
def web_with(
    settings: dict[str, object], llm_url: str, home: Path, workspace: Path, tmp_path: Path
) -> Iterator[str]:
    """`ml-intern web` with `settings` added to its config, while the block runs; its URL."""
    port = free_port()
    args = ("--port", str(port))
    proc, out = start_web(workspace, home, llm_url, tmp_path, *args, settings=settings)
    try:
        wait_for_ready(proc, out)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_web(proc)


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
async def browser(web: str) -> AsyncIterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (/usr/bin/chromium); CI installs it")
    expect.set_options(timeout=TIMEOUT_MS)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        await browser.close()


async def open_page(browser: Browser, url: str) -> Page:
    """A fresh tab at `url` whose script errors fail the test (see `no_script_errors`)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 820})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.script_errors = errors  # type: ignore[attr-defined]
    await page.goto(url)
    return page


def script_errors(page: Page) -> list[str]:
    """The page's uncaught script errors so far."""
    return list(page.script_errors)  # type: ignore[attr-defined]


@pytest.fixture
async def page(browser: Browser, web: str) -> AsyncIterator[Page]:
    page = await open_page(browser, f"{web}/")
    yield page
    await page.context.close()


def bash(call_id: str, command: str) -> dict[str, object]:
    return {"name": "bash", "id": call_id, "arguments": {"command": command}}


async def say(page: Page, text: str) -> None:
    await page.get_by_label("Message").fill(text)
    await page.get_by_role("button", name="Send").click()


async def snap(page: Page, tmp_path: Path, name: str) -> Path:
    """A screenshot in tmp_path, to look at (`pytest -s` prints where)."""
    shot = tmp_path / name
    await page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
    return shot
