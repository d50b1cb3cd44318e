"""The `python` tool with real ipykernel kernels: state kept, interrupts, death, rich outputs.

One pool (one kernel per thread id) serves the whole module, so most tests reuse a started
kernel; the tests that kill one use a thread id of their own, and a restart leaves the module
a fresh kernel, as it leaves the model one.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.fakes.tool_calls import call_tool
from tools.catalog import ToolSpec
from tools.kernel.family import kernel_specs
from tools.kernel.pool import KernelPool
from tools.kernel.python import kernel_rule, python_spec
from tools.local.sandbox import Sandbox, sandbox_problem
from tools.outcome import outcome_of
from tools.policy import PolicyContext, decide
from tools.result_texts.kernel import GONE_NOTE

ON_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
LOOP = "import time\nwhile True:\n    time.sleep(0.05)"
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None or sandbox_problem(Sandbox()) is not None,
    reason="bubblewrap is not installed or cannot create namespaces here",
)


@pytest.fixture(scope="module")
def ws() -> Any:
    folder = Path(tempfile.mkdtemp(prefix="ml-intern-kernel-ws-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def python() -> AsyncIterator[ToolSpec]:
    spec = kernel_specs()[0]
    yield spec
    assert spec.close is not None
    await spec.close()


def running(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for a reaper has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def run(spec: ToolSpec, ws: Path, thread: str = "t1", **args: Any) -> str:
    message = await call_tool(spec.tool, args, ws, as_tool_call=True, thread=thread)
    return str(message.content)


@ON_MODULE_LOOP
async def test_state_is_kept_between_calls_and_values_are_shown(python: ToolSpec, ws: Path) -> None:
    first = await run(python, ws, code="x = 41\nprint('hello')\nx + 1")
    assert "[kernel started: Python 3." in first
    assert "hello" in first and "]: 42" in first
    assert "]: 41" in await run(python, ws, code="x")


@ON_MODULE_LOOP
async def test_the_kernel_starts_as_ipykernels_launcher_does_without_its_debugger(
    python: ToolSpec, ws: Path
) -> None:
    """tools/kernel/ipykernel_launcher.py: debugpy is not imported at start (a cell still can
    import it), start-up's objects are frozen out of the collector, and sys.argv[0] and the
    working directory on sys.path are as under `python -m ipykernel_launcher`."""
    (ws / "mine_here.py").write_text("VALUE = 5\n")
    code = (
        "import gc, sys\nprint(sorted(name for name in sys.modules if 'debugpy' in name))\n"
        "import debugpy, mine_here\n"
        "print(gc.get_freeze_count() > 10_000, sys.argv[0].endswith('/ipykernel_launcher.py'))\n"
        "mine_here.VALUE"
    )
    out = await run(python, ws, code=code)
    assert "\n[]\nTrue True\n" in f"\n{out}" and "]: 5" in out, out


@ON_MODULE_LOOP
async def test_a_cell_that_never_ends_is_interrupted_and_state_kept(
    python: ToolSpec, ws: Path
) -> None:
    await run(python, ws, code="kept = 'still here'")
    out = await run(python, ws, code=LOOP, timeout=1)
    assert "KeyboardInterrupt" in out
    assert "timed out after 1 s: the kernel was interrupted" in out and "kept" in out
    assert "still here" in await run(python, ws, code="kept")


@ON_MODULE_LOOP
async def test_cancel_interrupts_the_cell_and_the_kernel_keeps_working(
    python: ToolSpec, ws: Path
) -> None:
    await run(python, ws, code="z = 7")
    looping = ws / "looping"
    looping.unlink(missing_ok=True)
    task = asyncio.ensure_future(
        run(python, ws, code=f"open({str(looping)!r}, 'w').close()\n{LOOP}")
    )
    deadline = asyncio.get_running_loop().time() + 60
    while not looping.exists():  # the cell runs (it, not the test, is what waits)
        assert asyncio.get_running_loop().time() < deadline and not task.done(), "never ran"
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "]: 7" in await run(python, ws, code="z")


@ON_MODULE_LOOP
async def test_a_cell_that_raised_is_a_failed_call_beside_its_text(
    python: ToolSpec, ws: Path
) -> None:
    """The checks that judge a call by how it ended (a repeat of a failed call) see a cell that
    raised as a command that exited non-zero, one that timed out as one that never ended."""

    async def ended(**args: Any) -> tuple[int | None, int] | None:
        message = await call_tool(python.tool, args, ws, as_tool_call=True, thread="t1")
        found = outcome_of(message)
        return None if found is None else (found.exit_code, found.notes)

    assert await ended(code="print(1)") == (0, 0)
    assert await ended(code="1 / 0") == (1, 0)
    assert await ended(code="print((1") == (1, 1)  # the compiler's line is the tool's own
    assert await ended(code=LOOP, timeout=1) == (None, 1)
    assert await ended(restart=True) is None  # no cell ran


@ON_MODULE_LOOP
async def test_reading_stdin_fails_with_a_clear_error(python: ToolSpec, ws: Path) -> None:
    out = await run(python, ws, code="input('your name? ')")
    assert "StdinNotImplementedError" in out and "does not support input" in out


@ON_MODULE_LOOP
async def test_an_unclosed_bracket_says_which_one_and_where(python: ToolSpec, ws: Path) -> None:
    """IPython's own error is "incomplete input": the result adds Python's compiler's words."""
    code = "import math\nprint(math.sqrt(sum([1, 2, 3]))"
    out = await run(python, ws, code=code)
    assert "incomplete input" in out
    assert out.splitlines()[-1] == "[Python's compiler: line 2: '(' was never closed]"
    body = await run(python, ws, code="for i in range(3):\n")
    assert "line 1: expected an indented block after 'for' statement on line 1" in body
    magic = await run(python, ws, code="%time y = 1\nprint((y")  # as IPython rewrote it
    assert magic.splitlines()[-1] == "[Python's compiler: line 2: '(' was never closed]"
    plain = await run(python, ws, code="x = = 1")  # IPython names this one itself
    assert "SyntaxError" in plain and "Python's compiler" not in plain


@ON_MODULE_LOOP
async def test_a_flood_of_output_keeps_head_and_tail(python: ToolSpec, ws: Path) -> None:
    """824,000 printed characters: twice the head and the tail kept (STREAM_KEEP_CHARS each)."""
    out = await run(
        python, ws, code="for i in range(8_000):\n    print(f'line {i:06d} ' + 'x' * 90)"
    )
    assert "line 000000" in out and "line 007999" in out
    assert "printed characters omitted" in out
    assert len(out) < 450_000


@ON_MODULE_LOOP
async def test_images_are_saved_in_the_workspace_and_named(python: ToolSpec, ws: Path) -> None:
    out = await run(python, ws, code="from PIL import Image\nImage.new('RGB', (8, 4), 'red')")
    assert "[image saved to .ml-intern/figures/" in out
    name = out.split("[image saved to ")[1].split("]")[0]
    assert (ws / name).read_bytes().startswith(b"\x89PNG")


@ON_MODULE_LOOP
async def test_tables_come_back_as_text(python: ToolSpec, ws: Path) -> None:
    frame = await run(
        python, ws, code="import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': [3, 4]})"
    )
    assert "a  b" in frame and "1  3" in frame
    html = await run(
        python,
        ws,
        code="from IPython.display import HTML, display\n"
        "display(HTML('<table><tr><th>k</th><th>v</th></tr><tr><td>lr</td><td>3e-4</td></tr></table>'))",
    )
    assert "| k | v |" in html and "| lr | 3e-4 |" in html
    assert "IPython.core.display.HTML object" not in html


@ON_MODULE_LOOP
async def test_a_kernel_that_dies_says_so_and_the_next_call_starts_fresh(
    python: ToolSpec, ws: Path
) -> None:
    await run(python, ws, thread="dies", code="doomed = 1")
    out = await run(
        python, ws, thread="dies", code="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
    )
    assert "the kernel died while running this code (killed by SIGKILL" in out
    assert "out of memory" in out
    after = await run(python, ws, thread="dies", code="doomed")
    assert "[kernel started:" in after and "NameError" in after
    exited = await run(python, ws, thread="dies", code="import os\nos._exit(3)")
    assert "exit code 3" in exited


@ON_MODULE_LOOP
async def test_restart_clears_every_variable(python: ToolSpec, ws: Path) -> None:
    await run(python, ws, code="gone_soon = 1")  # the module's kernel, then its successor
    out = await run(python, ws, code="'gone_soon' in dir()", restart=True)
    assert "kernel restarted" in out and "]: False" in out


@ON_MODULE_LOOP
async def test_the_session_closing_ends_the_kernel_and_a_new_one_says_state_is_gone(
    ws: Path,
) -> None:
    pool = KernelPool()
    spec = python_spec(pool)
    started = await run(
        spec, ws, thread="resumed", code="import subprocess\nsubprocess.Popen(['sleep', '60']).pid"
    )
    child = int(started.rsplit("]: ", 1)[1])
    kernel = pool.running("resumed")
    assert kernel is not None and (pool.memory_bytes("resumed") or 0) > 10_000_000
    await pool.close()
    assert not kernel.alive
    assert not running(child), "a process the kernel started outlived it"
    again = python_spec(KernelPool())  # a resumed session: a new pool, the same thread
    out = await run(again, ws, thread="resumed", code="1 + 1")
    assert out.startswith(GONE_NOTE) and "]: 2" in out
    assert again.close is not None
    await again.close()


@ON_MODULE_LOOP
async def test_the_workspace_interpreter_runs_the_kernel_when_it_has_ipykernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workspace .venv without ipykernel: ml-intern's own env, and the result says why;
    with ipykernel (here: ml-intern's site-packages added to it), the workspace's own."""
    import site
    import subprocess
    import sys

    ws = tmp_path / "project"
    ws.mkdir()
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(ws / ".venv")], check=True)
    monkeypatch.setenv("PATH", str(tmp_path / "no-python-here"))  # only the workspace's
    spec = python_spec(KernelPool())
    out = await run(spec, ws, thread="venv", code="import sys; sys.executable")
    assert "the workspace's .venv" in out and "cannot import ipykernel" in out
    assert "ml-intern's own environment" in out and sys.executable in out
    assert spec.close is not None
    await spec.close()
    site_packages = (
        ws / ".venv" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    )
    (site_packages / "site-packages" / "ours.pth").write_text(site.getsitepackages()[0] + "\n")
    spec = python_spec(KernelPool())
    out = await run(spec, ws, thread="venv2", code="import sys; sys.executable")
    assert "from the workspace's .venv" in out and "cannot import" not in out
    assert str(ws / ".venv" / "bin" / "python") in out
    await spec.close()


@pytest.mark.parametrize(
    "code",
    [
        "open('~/.ssh/id_rsa').read()",
        'import pathlib; pathlib.Path("~/.netrc").expanduser().read_text()',
        "!cat ~/.aws/credentials",
    ],
)
def test_code_naming_a_credential_place_always_asks(code: str) -> None:
    ws = Path(os.getcwd())
    assert kernel_rule(False)({"code": code}, ws) == "never_auto"
    assert kernel_rule(True)({"code": code}, ws) == "never_auto"


def test_approval_is_like_bash() -> None:
    host, walled = kernel_rule(False), kernel_rule(True)
    ctx = PolicyContext(mode="interactive")
    assert decide("python", {"code": "1 + 1"}, host, ctx) == "ask"
    assert decide("python", {"code": "1 + 1"}, walled, ctx) == "auto"
    assert decide("python", {"code": "1 + 1"}, host, PolicyContext(mode="headless")) == "auto"
    assert decide("python", {"restart": True}, host, ctx) == "auto"


@needs_bwrap
@ON_MODULE_LOOP
async def test_a_sandboxed_kernel_cannot_read_ssh_keys_or_write_outside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = Path(tempfile.mkdtemp(prefix="ml-intern-kernel-home-", dir="/var/tmp"))
    home = root / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nplanted\n")
    (home / "project").mkdir()
    monkeypatch.setenv("HOME", str(home))
    spec = python_spec(KernelPool(Sandbox()))
    try:
        code = (
            "import os\n"
            "print('key:', os.path.exists(os.path.expanduser('~/.ssh/id_rsa')))\n"
            "try:\n    open(os.path.expanduser('~/outside.txt'), 'w')\n"
            "except OSError as e:\n    print('outside:', type(e).__name__)\n"
            "open('inside.txt', 'w').write('ok')\nvalue = 3"
        )
        out = await run(spec, home / "project", thread="walled", code=code)
        assert "inside the sandbox" in out
        assert "key: False" in out and "outside: OSError" in out
        assert (home / "project" / "inside.txt").read_text() == "ok"
        assert not (home / "outside.txt").exists()
        stuck = await run(spec, home / "project", thread="walled", code=LOOP, timeout=1)
        assert "the kernel was interrupted" in stuck  # the control channel reaches inside
        assert "]: 3" in await run(spec, home / "project", thread="walled", code="value")
    finally:
        assert spec.close is not None
        await spec.close()
        shutil.rmtree(root, ignore_errors=True)


@ON_MODULE_LOOP
async def test_a_cell_that_changes_directory_is_told_where_the_kernel_now_is(
    python: ToolSpec, ws: Path
) -> None:
    out = await run(python, ws, code="import os\nos.chdir('/')")  # the module's kernel
    assert "the kernel's working directory is now /, not the workspace" in out
    back = await run(python, ws, code=f"os.chdir({str(ws)!r})")
    assert "working directory" not in back


@ON_MODULE_LOOP
async def test_a_kernel_that_cannot_start_says_what_it_printed(tmp_path: Path) -> None:
    """An interpreter that passes the ipykernel check but dies on start (a broken install)."""
    fake = tmp_path / "python"
    fake.write_text(
        '#!/bin/sh\nif [ "$1" = "-c" ]; then echo 3.11.0; exit 0; fi\n'
        'echo "ImportError: cannot import name zmq" >&2; exit 1\n'
    )
    fake.chmod(0o755)
    spec = python_spec(KernelPool(python=str(fake)))
    message = await call_tool(spec.tool, {"code": "1"}, tmp_path, as_tool_call=True)
    assert message.status == "error"
    assert "The Python kernel did not start: ImportError: cannot import name zmq" in message.content


async def test_a_cell_past_the_memory_limit_fails_and_the_kernel_keeps_working(
    tmp_path: Path,
) -> None:
    pool = KernelPool(memory_mb=1536)
    spec = python_spec(pool)
    try:
        out = await run(spec, tmp_path, thread="mem", code="kept = 7\nhuge = bytearray(3 * 2**30)")
        assert "MemoryError" in out and "at most 1,536 MiB (config kernel_memory_mb)" in out
        assert "]: 8" in await run(spec, tmp_path, thread="mem", code="kept + 1")
    finally:
        await pool.close()
