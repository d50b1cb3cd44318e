"""Attacks on the host through the kernel tools (issue 51), each with the model's own calls:
a planted interpreter that swaps the kernel's log for a symlink, a notebook in a sub-folder
reading the workspace root's `.env`, and a credential file that appears after the kernel started or while a cell runs. Real kernels; real bubblewrap where walled.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.tool_calls import call_tool
from tools.catalog import ToolSpec
from tools.kernel.notebook import notebook_spec
from tools.kernel.pool import KernelPool
from tools.kernel.python import python_spec
from tools.local.sandbox import Sandbox, sandbox_problem

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None or sandbox_problem(Sandbox()) is not None,
    reason="bubblewrap is not installed or cannot create namespaces here",
)
HOST_SECRET = "Host prod\n  IdentityFile ~/.ssh/prod-key-MARKER-1f3a\n"
# What the model writes as `.venv/bin/python`: it passes the ipykernel check, then, started
# as the kernel, swaps the kernel's log (next to the connection file) for a symlink and exits.
PLANTED_PYTHON = """#!/bin/sh
if [ "$1" = "-c" ]; then echo 3.11.0; exit 0; fi
while [ $# -gt 0 ]; do [ "$1" = "-f" ] && conn="$2"; shift; done
dir=$(dirname "$conn")
rm -f "$dir/kernel.log"; ln -s {secret} "$dir/kernel.log"
echo planted-ran >&2
exit 1
"""


@pytest.fixture
def place() -> Iterator[Path]:
    """A folder outside /tmp (which the sandbox makes private) holding a workspace and a
    host file the sandbox cannot read."""
    root = Path(tempfile.mkdtemp(prefix="ml-intern-walls-", dir="/var/tmp"))
    (root / "ws").mkdir()
    (root / "host").mkdir()
    (root / "host" / "config").write_text(HOST_SECRET)
    yield root
    shutil.rmtree(root, ignore_errors=True)


async def until_made(path: Path, call: asyncio.Future[Any] | None = None) -> None:
    """Until sandboxed code made `path` (or `call` ended), polling; at most 10 s."""
    for _ in range(1000):
        if path.exists() or (call is not None and call.done()):
            return
        await asyncio.sleep(0.01)


async def run(spec: ToolSpec, ws: Path, thread: str = "t", **args: Any) -> tuple[str, str]:
    message = await call_tool(spec.tool, args, ws, as_tool_call=True, thread=thread)
    return str(message.content), str(message.status)


@needs_bwrap
async def test_a_planted_interpreter_cannot_make_the_host_read_a_file_as_the_kernel_log(
    place: Path,
) -> None:
    ws = place / "ws"
    spec = python_spec(KernelPool(Sandbox()))
    script = PLANTED_PYTHON.format(secret=place / "host" / "config")
    plant = (
        "import os\nos.makedirs('.venv/bin', exist_ok=True)\n"
        f"open('.venv/bin/python', 'w').write({script!r})\n"
        "os.chmod('.venv/bin/python', 0o755)"
    )
    try:
        out, status = await run(spec, ws, code=plant)
        assert status == "success", out
        out, status = await run(spec, ws, code="1", restart=True)
        assert "MARKER-1f3a" not in out and "IdentityFile" not in out
        assert status == "error" and "planted-ran" in out  # what it printed, through a pipe
        assert str(ws / ".venv" / "bin" / "python") in out  # the interpreter it tried
    finally:
        assert spec.close is not None
        await spec.close()


async def test_a_restart_names_the_interpreter_it_started(tmp_path: Path) -> None:
    spec = python_spec(KernelPool())
    try:
        await run(spec, tmp_path, code="x = 1")
        out, _ = await run(spec, tmp_path, code="2", restart=True)
        assert "[kernel restarted: every earlier variable is gone]" in out
        assert "[kernel started: Python " in out
    finally:
        assert spec.close is not None
        await spec.close()


@needs_bwrap
async def test_a_notebook_in_a_sub_folder_is_walled_for_the_workspace_root(place: Path) -> None:
    ws = place / "ws"
    (ws / ".env").write_text("ROOT_TOKEN=abc\n")
    (ws / "sub").mkdir()
    spec = notebook_spec(KernelPool(Sandbox()))
    code = "import os\nprint('size', os.path.getsize('../.env'), 'cwd', os.getcwd())"
    message = await call_tool(
        spec.tool, {"path": "sub/nb.ipynb", "action": "insert", "source": code}, ws
    )
    message = await call_tool(
        spec.tool, {"path": "sub/nb.ipynb", "action": "run"}, ws, as_tool_call=True
    )
    out = str(message.content)
    assert "size 0" in out, out  # the stand-in, not the 15 bytes of the real .env
    assert f"cwd {ws / 'sub'}" in out  # it still runs in the notebook's folder


@needs_bwrap
async def test_a_credential_file_made_after_the_kernel_started_is_never_read_from_it(
    place: Path,
) -> None:
    ws = place / "ws"
    spec_pool = KernelPool(Sandbox())
    spec = python_spec(spec_pool)
    # The model leaves a thread behind that waits for the file and keeps what it reads.
    waiter = (
        "import os, threading, time\nstolen = []\n"
        "def wait():\n"
        "    while not os.path.exists('.env.local'):\n        time.sleep(0.01)\n"
        "    stolen.append(open('.env.local').read())\n"
        "    open('grabbed', 'w').close()\n"
        "threading.Thread(target=wait, daemon=True).start()"
    )
    try:
        out, status = await run(spec, ws, code=waiter)
        assert status == "success", out
        (ws / ".env.local").write_text("LATE_TOKEN=late-secret-value-1234\n")  # a git pull
        for _ in range(1000):  # the waiting thread has read it, or it is frozen
            if (ws / "grabbed").exists() or stopped(spec_pool):
                break
            await asyncio.sleep(0.01)
        out, _ = await run(spec, ws, code="import os\nprint(os.path.getsize('.env.local'))\nstolen")
        assert "late-secret-value" not in out and "LATE_TOKEN" not in out
        assert "[kernel restarted: a credential file appeared since it started (.env.local)" in out
        assert "\n0\n" in out and "NameError: name 'stolen' is not defined" in out
        out, _ = await run(spec, ws, code="print(os.path.getsize('.env.local'))")
        assert out.strip().endswith("0") and "restarted" not in out  # one restart, then walled
    finally:
        assert spec.close is not None
        await spec.close()


def stopped(pool: KernelPool, thread: str = "t") -> bool:
    """Whether every process of the thread's kernel is stopped now (read from /proc)."""
    kernel = pool.running(thread)
    if kernel is None or kernel.pid is None:
        return False
    pids, todo = set(), [kernel.pid]
    while todo:
        pid = todo.pop()
        pids.add(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            todo += [int(child) for child in task.read_text().split()]
    states = [Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] for pid in pids]
    return len(pids) > 1 and set(states) <= {"T"}


@needs_bwrap
async def test_a_thread_left_running_never_copies_a_credential_file_that_appears_later(
    place: Path,
) -> None:
    """The model leaves a thread behind that waits for `.env.local`, then copies it and
    hard-links it under names no wall hides; the user makes the file (a `git pull`) before
    the next call. Neither name may hold it: nothing of the kernel runs between calls."""
    ws = place / "ws"
    pool = KernelPool(Sandbox())
    spec = python_spec(pool)
    waiter = (
        "import os, shutil, threading, time\n"
        "def wait():\n"
        "    while not os.path.exists('.env.local'):\n        time.sleep(0.005)\n"
        "    os.link('.env.local', 'link.txt')\n"
        "    shutil.copy('.env.local', 'notes.txt')\n"
        "threading.Thread(target=wait, daemon=True).start()"
    )
    try:
        out, status = await run(spec, ws, code=waiter)
        assert status == "success", out
        (ws / ".env.local").write_text("LATE_TOKEN=late-secret-value-1234\n")
        for _ in range(1000):  # the copy made, or the kernel seen wholly stopped
            if (ws / "notes.txt").exists() or stopped(pool):
                break
            await asyncio.sleep(0.01)
        out, _ = await run(spec, ws, code="print(sorted(os.listdir('.')))")
        assert "[kernel restarted: a credential file appeared since it started (.env.local)" in out
        bash_like = await run(spec, ws, code="print(open('.env.local').read() or 'hidden')")
        assert "late-secret-value" not in bash_like[0]
        assert not (ws / "notes.txt").exists() and not (ws / "link.txt").exists()
    finally:
        assert spec.close is not None
        await spec.close()


@needs_bwrap
async def test_a_credential_file_made_while_a_cell_runs_withholds_its_output(
    place: Path,
) -> None:
    ws = place / "ws"
    spec = python_spec(KernelPool(Sandbox()))
    reader = (
        "import os, time\nopen('waiting', 'w').close()\n"
        "while not os.path.exists('.env.local'):\n    time.sleep(0.01)\n"
        "print(open('.env.local').read())"
    )
    try:
        await run(spec, ws, code="x = 1")
        cell = asyncio.ensure_future(run(spec, ws, code=reader))
        await until_made(ws / "waiting", cell)
        (ws / ".env.local").write_text("LATE_TOKEN=late-secret-value-1234\n")
        out, _ = await cell
        assert "late-secret-value" not in out
        assert "[a credential file appeared while this code ran (.env.local)" in out
        out, _ = await run(spec, ws, code="x")
        assert "NameError" in out  # a fresh kernel, walled with the file hidden
    finally:
        assert spec.close is not None
        await spec.close()


def test_the_kernel_wall_notes_snapshot() -> None:
    from tests.configs.test_prompt_snapshot import check_snapshot
    from tools.kernel.process import NOT_A_SOCKET
    from tools.result_texts.kernel import (
        LATE_CREDENTIAL_NOTE,
        RUN_WITHHELD,
        STARTED_IN,
        WITHHELD_NOTE,
        WRITTEN_SINCE,
    )

    notes = [
        LATE_CREDENTIAL_NOTE.format(places=".env.local"),
        WITHHELD_NOTE.format(places=".env.local"),
        STARTED_IN.format(
            interpreter="Python 3.11.0 from the workspace's .venv (/w/.venv/bin/python)"
        ),
        f"[{WRITTEN_SINCE.format(path='/w/.venv/bin/python')}]",
        RUN_WITHHELD.format(places=".env.local"),
        f"its socket k-50123 is a symlink, not a socket; {NOT_A_SOCKET}",
    ]
    check_snapshot("kernel_walls.md", "\n".join(notes) + "\n")


async def test_without_the_sandbox_an_interpreter_written_in_the_session_never_runs(
    place: Path,
) -> None:
    """The approval shows `1`; the kernel would have started the model's `.venv/bin/python`
    (here: one that leaves a mark on the host) had it been chosen."""
    ws = place / "ws"
    mark = place / "host" / "ran-on-host"
    script = f"#!/bin/sh\ntouch {mark}\nexit 1\n"
    plant = (
        "import os\nos.makedirs('.venv/bin', exist_ok=True)\n"
        f"open('.venv/bin/python', 'w').write({script!r})\n"
        "os.chmod('.venv/bin/python', 0o755)"
    )
    spec = python_spec(KernelPool())
    try:
        out, status = await run(spec, ws, code=plant)
        assert status == "success", out
        out, status = await run(spec, ws, code="1", restart=True)
        assert not mark.exists()
        assert status == "success" and "]: 1" in out
        assert f"{ws / '.venv' / 'bin' / 'python'} was made or changed after this session" in out
        assert "[kernel started: Python " in out  # the restart names the one it used
    finally:
        assert spec.close is not None
        await spec.close()


@needs_bwrap
async def test_a_credential_file_made_while_a_notebook_runs_withholds_its_outputs(
    place: Path,
) -> None:
    ws = place / "ws"
    spec = notebook_spec(KernelPool(Sandbox()))
    reader = (
        "import os, time\nopen('waiting', 'w').close()\n"
        "while not os.path.exists('id_rsa'):\n    time.sleep(0.01)\n"
        "print(open('id_rsa').read())"
    )
    await call_tool(spec.tool, {"path": "nb.ipynb", "action": "insert", "source": reader}, ws)
    args = {"path": "nb.ipynb", "action": "run"}
    running = asyncio.ensure_future(call_tool(spec.tool, args, ws, as_tool_call=True))
    await until_made(ws / "waiting", running)
    (ws / "id_rsa").write_text("plain-key-material-5521\n")
    out = str((await running).content)
    assert (
        "key-material-5521" not in out and "key-material-5521" not in (ws / "nb.ipynb").read_text()
    )
    assert "[a credential file appeared while the notebook ran (id_rsa)" in out


@needs_bwrap
async def test_a_bare_restart_inside_the_walls_names_the_interpreter_it_started(
    place: Path,
) -> None:
    spec = python_spec(KernelPool(Sandbox()))
    try:
        await run(spec, place / "ws", code="x = 1")
        out, status = await run(spec, place / "ws", restart=True)
        assert status == "success" and "[kernel restarted: every earlier variable is gone]" in out
        assert "[kernel started: Python " in out and "inside the sandbox]" in out
        out, _ = await run(spec, place / "ws", code="x")
        assert "NameError" in out
    finally:
        assert spec.close is not None
        await spec.close()


# Started as the kernel, it makes each socket name the host will connect to a symlink to a
# host socket, then waits a little (as a kernel starting) and exits.
SOCKET_SWAPPER = """#!/bin/sh
if [ "$1" = "-c" ]; then echo 3.11.0; exit 0; fi
while [ $# -gt 0 ]; do [ "$1" = "-f" ] && conn="$2"; shift; done
/usr/bin/python3 - "$conn" {target} <<'PY'
import json, os, sys, time
info = json.load(open(sys.argv[1]))
for key in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
    os.symlink(sys.argv[2], f"{{info['ip']}}-{{info[key]}}")
time.sleep(3)
PY
exit 1
"""


@needs_bwrap
async def test_a_kernel_socket_swapped_for_a_symlink_is_never_connected_to(place: Path) -> None:
    import socket
    import threading

    ws = place / "ws"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(place / "host" / "agent.sock"))
    listener.listen(8)
    listener.settimeout(0.2)
    reached: list[bool] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                listener.accept()[0].close()
                reached.append(True)
            except TimeoutError:
                continue

    watcher = threading.Thread(target=accept, daemon=True)
    watcher.start()
    (ws / ".venv" / "bin").mkdir(parents=True)
    planted = ws / ".venv" / "bin" / "python"
    planted.write_text(SOCKET_SWAPPER.format(target=place / "host" / "agent.sock"))
    planted.chmod(0o755)
    spec = python_spec(KernelPool(Sandbox()))
    try:
        out, status = await run(spec, ws, code="1")
        assert status == "error", out
    finally:
        assert spec.close is not None
        await spec.close()
        done.set()
        watcher.join()
        listener.close()
    assert not reached  # the host never connected to the host socket the links named
    assert "is a symlink, not a socket; the host connects only to a socket" in out


@contextlib.contextmanager
def servers_blocking_check() -> Iterator[None]:
    """The blocking-call check the LangGraph dev runtime turns on while it runs a graph (Studio,
    and `web` in the suite): a blocking call on the event loop fails the run that makes it."""
    from langgraph_runtime_inmem.queue import _enable_blockbuster

    checker = _enable_blockbuster()
    try:
        yield
    finally:
        checker.deactivate()


@needs_bwrap
async def test_a_kernel_asked_of_an_interpreter_inside_the_walls_blocks_no_server(
    place: Path,
) -> None:
    """A server that checks blocking calls starts the kernel when the interpreter to try is not
    ml-intern's own (its ipykernel check runs inside the walls)."""
    spec = python_spec(KernelPool(Sandbox(), python="/usr/bin/python3"))
    try:
        with servers_blocking_check():  # the call's rules are the server's, made before
            message = await call_tool(
                spec.tool, {"code": "print(6 * 7)"}, place / "ws", as_tool_call=True, rules=()
            )
        out, status = str(message.content), message.status
        assert status == "success" and "42" in out, out
        assert "[kernel started: Python " in out
    finally:
        assert spec.close is not None
        await spec.close()
