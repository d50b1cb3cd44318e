"""What the web UI's end-to-end tests share: the real `ml-intern web` server on the scripted
LLM, Debian's chromium driven by Playwright, and a few steps a person takes on the page.

Fixtures (`pytest_plugins = ("tests.web.web_harness",)` in a test module to use them): `web`
(the server's URL), `module_web` and `session_web` (one server for a module's tests, or for
those of every module in the test process that share one: `module_server()` and
`session_server()` give a module their `web` and `llm`), `browser` (the test process's
chromium once `web` is up; each test opens its own pages, each in a fresh context), `page`
(one page on `web`), `chromium` (`async with chromium() as browser:` the same browser for a
block, for a test that starts its own server).

One chromium and Playwright driver per test process (xdist worker), launched by Playwright
over its pipe: a test that uses them runs on the process's event loop (`loop_scope`
"session"), and every browser context it opened is closed after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

from cli.server_address import free_port
from tests.fakes.cli_zygote import ZygotePopen
from tests.fakes.llm_server import ScriptedLLMServer

REPO = Path(__file__).resolve().parents[2]
# Debian's chromium-headless-shell (chromium's engine without its browser window) where
# installed: on the same pages it takes about half the browser process's CPU of `chromium
# --headless` (a new context: ~0.13 s, not ~0.27 s), and its renderers and GPU the same.
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")
TIMEOUT_MS = 30_000
# As tests/fakes/agent.py's fast_settings: a failed model call (a script run out, a server
# gone) is tried again without the seconds of waiting (1 + 2 + 4 + 8 s) a real server has.
NO_RETRY_WAIT = {"retry_base_delay_s": 0.01, "retry_max_delay_s": 0.05}


def start_web(
    workspace: Path,
    home: Path,
    llm_url: str | None,
    tmp_path: Path,
    *args: str,
    settings: dict[str, object] | None = None,
    command: str = "web",
) -> tuple[subprocess.Popen[bytes], Path]:
    """`ml-intern web *args` (or another `command`: `worker`) on the scripted model at
    `llm_url` (None: no api_base, so the model needs OPENAI_API_KEY), with `settings` added
    to its config (retries wait next to nothing unless `settings` says otherwise)."""
    config = tmp_path / "config.json"
    settings = {"model_name": "openai/scripted-model", "api_base": llm_url, **NO_RETRY_WAIT,
                **(settings or {})}  # fmt: skip
    config.write_text(json.dumps({k: v for k, v in settings.items() if v is not None}))
    env = {**os.environ, "ML_INTERN_HOME": str(home), "ML_INTERN_CLI_CONFIG": str(config)}
    env.pop("ML_INTERN_WEB_TOKEN", None)
    if "--redis" in args:  # a team server's replicas and workers share one secret
        env.setdefault("ML_INTERN_SESSION_SECRET", "one-team-server-secret")
    out = tmp_path / f"web-{time.monotonic_ns()}.out"
    with out.open("w") as sink:
        proc = ZygotePopen(
            [sys.executable, "-m", "cli", command, *args],
            cwd=workspace, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return proc, out


def wait_for_ready(proc: subprocess.Popen[bytes], out: Path) -> None:
    deadline = time.monotonic() + 120
    while "Ctrl-C to stop" not in out.read_text():
        assert proc.poll() is None, out.read_text()
        assert time.monotonic() < deadline, out.read_text()
        time.sleep(0.05)


def stop_web(proc: subprocess.Popen[bytes]) -> int:
    """Stop one server (SIGINT, then SIGKILL to its group after 30 s); its exit code."""
    return stop_together([proc])[0]


def running_kernels() -> set[str]:
    """The runtime folders (tools/kernel/runtime.py) of this checkout's running kernels."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            argv = cmdline.read().decode(errors="replace").split("\0")
            launcher = any(os.path.basename(a) == "ipykernel_launcher.py" for a in argv)
            if launcher and argv[0].startswith(str(REPO)):
                found |= {os.path.dirname(os.path.dirname(a)) for a in argv if "/mlik-" in a}
    return found


def stop_together(procs: list[subprocess.Popen[bytes]]) -> list[int]:
    """Stop each process as `stop_web` does, all at once (the replicas and workers of one
    server shut down side by side, not in turn); their exit codes. Their kernels' runtime folders
    are gone with them (tools/kernel/runtime.py)."""
    kernels = running_kernels()
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 30
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(timeout=max(0.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            codes.append(proc.wait())
    left = {k for k in kernels - running_kernels() if os.path.exists(k)} if kernels else set()
    # A kernel of another test's server (the other worker) that ended meanwhile has its
    # folder removed by that server just after: a leak is a folder that stays.
    deadline = time.monotonic() + 15
    while (left := {k for k in left if os.path.exists(k)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"a stopped server left its kernels' runtime folders: {sorted(left)}"
    return codes


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
def module_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of `module_web`'s server: its home, config and `workspace`."""
    root = tmp_path_factory.mktemp("module-web")
    (root / "workspace").mkdir()
    return root


@pytest.fixture(scope="module")
def module_web(module_root: Path) -> Iterator[tuple[str, ScriptedLLMServer]]:
    """One server (and scripted model) for a module's tests that share nothing else: each
    works in a thread of its own. To use it, a module assigns `web, llm = module_server()`
    (and `workspace = module_workspace()` for `module_root / "workspace"`, the server's)."""
    with module_env(module_root) as home, ScriptedLLMServer() as llm:
        for url in serve_web(llm.url, home, module_root / "workspace", module_root):
            yield url, llm


@pytest.fixture(scope="session")
def session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of `session_web`'s server: its home (`ml-intern-home`), config and
    `workspace`."""
    root = tmp_path_factory.mktemp("session-web")
    (root / "workspace").mkdir()
    return root


@pytest.fixture(scope="session")
def session_web(session_root: Path) -> Iterator[tuple[str, ScriptedLLMServer]]:
    """One server (and scripted model) per test process (under xdist, per worker) for the
    tests of every module that asks nothing of a server but threads of its own, files of
    their own in its workspace and a model reset before it (`fresh_llm`): such modules start
    no server each (under xdist's work stealing a module's tests run on several workers, in
    turn with other modules', and a module's server started again at each turn). Started in
    the environment `module_env` gives, which is put back once it runs; it must stop
    cleanly. A test that leaves a large thread deletes it (`delete_thread`): every later
    thread list carries the values of every thread."""
    with ScriptedLLMServer() as llm:
        with module_env(session_root) as home:
            served = serve_web(llm.url, home, session_root / "workspace", session_root)
            url = next(served)
        try:
            yield url, llm
        finally:
            next(served, None)  # stopped, and checked to stop cleanly


def fresh_llm(module_web: tuple[str, ScriptedLLMServer]) -> ScriptedLLMServer:
    """The module's scripted model with an empty script and no requests, for the next test."""
    llm = module_web[1]
    llm.reset()
    return llm


def module_server() -> tuple[Any, Any]:
    """The `web` and `llm` fixtures of a module whose tests share `module_web` (each works in
    a thread of its own): the module assigns them, `web, llm = module_server()`, in place of
    the per-test server's (a fixture takes the name it is assigned to)."""
    return _server_fixtures("module_web")


def session_server() -> tuple[Any, Any]:
    """As `module_server()`, on `session_web`: the `web` and `llm` fixtures of a module whose
    tests share the test process's server with other modules' (each works in a thread of its
    own, and its files have names no other module's test uses)."""
    return _server_fixtures("session_web")


def _server_fixtures(served: str) -> tuple[Any, Any]:
    """`web` and `llm` fixtures on the shared server the fixture named `served` gives."""

    @pytest.fixture
    def web(request: pytest.FixtureRequest) -> str:
        url: str = request.getfixturevalue(served)[0]
        return url

    @pytest.fixture
    def llm(request: pytest.FixtureRequest) -> ScriptedLLMServer:
        return fresh_llm(request.getfixturevalue(served))

    return web, llm


def module_workspace() -> Any:
    """The `workspace` fixture of a module on `module_server()` whose tests use the server's
    workspace (each test's files have names of their own): `workspace = module_workspace()`."""
    return _workspace_fixture("module_root")


def session_workspace() -> Any:
    """The `workspace` fixture of a module on `session_server()` whose tests use the server's
    workspace: `workspace = session_workspace()`."""
    return _workspace_fixture("session_root")


def _workspace_fixture(root: str) -> Any:
    """A `workspace` fixture: the `workspace` folder of the fixture named `root`."""

    @pytest.fixture
    def workspace(request: pytest.FixtureRequest) -> Path:
        folder: Path = request.getfixturevalue(root)
        return folder / "workspace"

    return workspace


def delete_thread(web: str, thread_id: str) -> None:
    """Deletes the thread `thread_id` on the server at `web` (it must be there)."""
    with httpx.Client(base_url=web, trust_env=False, timeout=60) as client:
        client.delete(f"/threads/{thread_id}").raise_for_status()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def worker_chromium() -> AsyncIterator[Browser]:
    """This test process's chromium (a launch with its driver is ~1 s and ~0.6 s of CPU)."""
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium-headless-shell or chromium; CI installs them")
    expect.set_options(timeout=TIMEOUT_MS)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()


Chromium = Callable[[], AbstractAsyncContextManager[Browser]]


async def close_contexts(browser: Browser) -> None:
    """Closes every context of `browser` (and so their pages, cookies and storage)."""
    for context in browser.contexts:
        await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def chromium(worker_chromium: Browser) -> AsyncIterator[Chromium]:
    """`async with chromium() as browser:` the process's chromium for the block: the contexts
    opened in it are closed at its end (and after the test), so the next starts from none."""

    @asynccontextmanager
    async def block() -> AsyncIterator[Browser]:
        try:
            yield worker_chromium
        finally:
            await close_contexts(worker_chromium)

    yield block
    await close_contexts(worker_chromium)


@pytest_asyncio.fixture(loop_scope="session")
async def browser(web: str, worker_chromium: Browser) -> AsyncIterator[Browser]:
    """The process's chromium once the test's server is up; its contexts closed after."""
    yield worker_chromium
    await close_contexts(worker_chromium)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on `chromium` runs on the event loop the browser's connection lives on."""
    for item in items:
        if "worker_chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


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


@pytest_asyncio.fixture(loop_scope="session")
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


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Until `condition()` holds (polled every 50 ms; fails after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def frames(page: Page, count: int) -> None:
    """Until the page has drawn `count` more frames: its pending work has had its turns."""
    await page.evaluate(
        "n => new Promise((done) => { const tick = (k) => k ? requestAnimationFrame("
        "() => tick(k - 1)) : done(); tick(n); })",
        count,
    )


# Counts, on every change of the log, the answers that show `answer`: the most at once in
# `window.__most`, and in `window.__gone` whether it went after it had shown.
MOST_SHOWN = """answer => {
  Object.assign(window, { __most: 0, __gone: false });
  const count = () => [...document.querySelectorAll("#log .msg.assistant")]
    .filter((node) => node.textContent.includes(answer)).length;
  new MutationObserver(() => {
    const now = count();
    window.__gone ||= window.__most > 0 && now === 0;
    window.__most = Math.max(window.__most, now);
  })
    .observe(document.getElementById("log"), { subtree: true, childList: true, characterData: true });
}"""
