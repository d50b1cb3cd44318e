"""What the web UI's end-to-end tests share: the real `ml-intern web` server on the scripted
LLM, Debian's chromium driven by Playwright, and a few steps a person takes on the page.

Fixtures (import them into a test module to use them): `web` (the server's URL), `browser`
(a Playwright browser; each test opens its own pages), `page` (one page on `web`).

One chromium per test worker (started on first use, with the switches Playwright launches it
with); each test connects to it over CDP with its own Playwright and gets fresh contexts,
which share no cookies, storage or cache with another test's. Starting a chromium per test
cost ~4 s of CPU each.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
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


def serve_web(llm_url: str, home: Path, workspace: Path, tmp_path: Path) -> Iterator[str]:
    """`ml-intern web` on a free port while the generator is suspended; its URL. It must
    stop cleanly (exit 0)."""
    port = free_port()
    proc, out = start_web(workspace, home, llm_url, tmp_path, "--port", str(port))
    try:
        wait_for_ready(proc, out)
        assert f"Open: http://127.0.0.1:{port}/" in out.read_text()
        yield f"http://127.0.0.1:{port}"
        assert stop_web(proc) == 0, out.read_text()
    finally:
        stop_web(proc)
        print((home / "web" / "server.log").read_text(errors="replace")[-4000:])


@pytest.fixture
def web(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> Iterator[str]:
    yield from serve_web(llm.url, isolated_home, workspace, tmp_path)


@contextmanager
def module_env(root: Path) -> Iterator[Path]:
    """For a module's shared server: the environment tests/conftest.py's `isolated_home`
    gives each test, under `root`, while the block runs; the home."""
    home = root / "ml-intern-home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ML_INTERN_HOME", str(home))
        env.setenv("XDG_CONFIG_HOME", str(root / "xdg-config"))
        env.delenv("ML_INTERN_CLI_CONFIG", raising=False)
        env.delenv("ML_INTERN_DATABASE_URL", raising=False)
        env.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
        yield home


@pytest.fixture(scope="module")
def module_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ScriptedLLMServer]]:
    """One server (and scripted model) for a module's tests that share nothing else: each
    works in a thread of its own. To use it, a module defines `web` and `llm` fixtures from
    it; `llm` must be `fresh_llm(module_web)`."""
    root = tmp_path_factory.mktemp("module-web")
    (root / "workspace").mkdir()
    with module_env(root) as home, ScriptedLLMServer() as llm:
        for url in serve_web(llm.url, home, root / "workspace", root):
            yield url, llm


def fresh_llm(module_web: tuple[str, ScriptedLLMServer]) -> ScriptedLLMServer:
    """The module's scripted model with an empty script and no requests, for the next test."""
    llm = module_web[1]
    llm.reset()
    return llm


# What `playwright.chromium.launch(args=["--no-sandbox"])` starts chromium with (Playwright
# 1.65, read from the process it launched), with a DevTools port instead of its pipe.
SWITCHES = (
    "--show-component-extension-options", "--enable-gpu-rasterization",
    "--no-default-browser-check", "--disable-pings", "--media-router=0",
    "--enable-remote-extensions", "--load-extension=", "--disable-field-trial-config",
    "--disable-background-networking", "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows", "--disable-back-forward-cache",
    "--disable-breakpad", "--disable-component-extensions-with-background-pages",
    "--disable-component-update", "--disable-default-apps", "--disable-dev-shm-usage",
    "--disable-edgeupdater", "--disable-extensions",
    "--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,"
    "HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,"
    "ThirdPartyStoragePartitioning,AvoidCorsURLLoaderRestartOnRedirect,"
    "TcpPortRandomizationWin,OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,"
    "PreconnectToSearch,msForceBrowserSignIn,msEdgeUpdateLaunchServicesPreferredVersion",
    "--enable-features=CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies",
    "--allow-pre-commit-input", "--disable-hang-monitor", "--disable-ipc-flooding-protection",
    "--disable-popup-blocking", "--disable-prompt-on-repost", "--disable-renderer-backgrounding",
    "--disable-updater-scheduler", "--force-color-profile=srgb", "--metrics-recording-only",
    "--no-first-run", "--password-store=basic", "--use-mock-keychain", "--no-service-autorun",
    "--disable-search-engine-choice-screen", "--unsafely-disable-devtools-self-xss-warnings",
    "--enable-unsafe-swiftshader", "--edge-skip-compat-layer-relaunch",
    "--disable-stack-profiler", "--disable-infobars", "--disable-sync", "--do-not-de-elevate",
    "--headless", "--hide-scrollbars", "--mute-audio",
    "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,"
    "availablePointerTypes=4",
    "--no-sandbox", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
    "--no-startup-window",
)  # fmt: skip


class SharedChromium:
    """This worker's chromium, listening for CDP on a loopback port it picked."""

    _instance: SharedChromium | None = None

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="ml-intern-chromium-")
        self.process = subprocess.Popen(
            [executable, *SWITCHES, f"--user-data-dir={self.profile}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        active = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (active.exists() and len(active.read_text().splitlines()) == 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"chromium did not start (exit {self.process.returncode})")
            time.sleep(0.05)
        port, path = active.read_text().splitlines()
        self.endpoint = f"ws://127.0.0.1:{port}{path}"
        atexit.register(self.close)

    @classmethod
    def shared(cls, executable: str) -> SharedChromium:
        if cls._instance is None or cls._instance.process.poll() is not None:
            cls._instance = cls(executable)
        return cls._instance

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # its renderers too
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """The worker's chromium through this test's own Playwright; the contexts made through
    it close when the block ends."""
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium (/usr/bin/chromium); CI installs it")
    expect.set_options(timeout=TIMEOUT_MS)
    endpoint = SharedChromium.shared(CHROMIUM).endpoint
    async with async_playwright() as p:
        browser = await p.chromium.connect_over_cdp(endpoint)
        try:
            yield browser
        finally:
            await browser.close()  # over CDP: closes the contexts it made, then disconnects


@pytest.fixture
async def browser(web: str) -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


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
