"""A `bash` call on a server's event loop (uvloop, as uvicorn picks it) starts its command
without forking the server: the command runs, streams, ends, times out and is killed as on
asyncio's own loop."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import uvloop
from langchain_core.tools import ToolException

from tests.tools.local.test_sandbox import needs_bwrap
from tools.local.bash_process import run_bash
from tools.local.sandbox import Sandbox

FORKS: list[int] = []  # the parent's at-fork calls while a test watches
WATCHING = [False]
os.register_at_fork(before=lambda: FORKS.append(1) if WATCHING[0] else None)

LOOPS: dict[str, Callable[[Coroutine[Any, Any, Any]], Any]] = {
    "uvloop": uvloop.run,
    "asyncio": asyncio.run,
}


@pytest.fixture
def watched_forks():
    FORKS.clear()
    WATCHING[0] = True
    yield FORKS
    WATCHING[0] = False


@pytest.mark.parametrize("loop", sorted(LOOPS))
def test_a_command_runs_streams_and_ends_without_a_fork(
    loop: str, tmp_path: Path, watched_forks: list[int]
) -> None:
    lines: list[str] = []
    text, outcome = LOOPS[loop](
        run_bash(tmp_path, lines.append, "echo one; echo two >&2; echo three > f.txt; exit 3", 30)
    )
    assert lines == ["one", "two"]
    assert text.splitlines() == ["one", "two", "[exit code: 3]"]
    assert outcome.exit_code == 3
    assert (tmp_path / "f.txt").read_text() == "three\n"
    assert watched_forks == [], "the server process was forked to start the command"


@pytest.mark.parametrize("loop", sorted(LOOPS))
def test_a_command_past_its_time_is_killed_with_its_background_children(
    loop: str, tmp_path: Path, watched_forks: list[int]
) -> None:
    command = "sleep 60 & echo $! > child.pid; echo started; sleep 60"
    text, outcome = LOOPS[loop](run_bash(tmp_path, lambda _: None, command, 1))
    assert text.splitlines() == ["started", "[timed out after 1 s; process group killed]"]
    assert outcome.exit_code is None
    child = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.01)  # SIGKILL is sent to the group; its delivery is the kernel's
    assert not _running(child), "a background child outlived the timeout"
    assert watched_forks == []


def _running(pid: int) -> bool:
    """`pid` exists and has not ended (a zombie waiting for its reaper has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def test_many_commands_at_once_on_uvloop_each_end_with_their_own_output(tmp_path: Path) -> None:
    async def many() -> list[tuple[str, Any]]:
        calls = [
            run_bash(tmp_path, lambda _: None, f"echo {i}; exit {i % 7}", 30) for i in range(40)
        ]
        return await asyncio.gather(*calls)

    done = uvloop.run(many())
    assert [(text.splitlines()[0], o.exit_code) for text, o in done] == [
        (str(i), i % 7) for i in range(40)
    ]


@pytest.mark.parametrize("walls", ["host", pytest.param("sandbox", marks=needs_bwrap)])
@pytest.mark.parametrize("loop", sorted(LOOPS))
def test_a_descriptor_the_server_holds_is_not_open_in_the_command(
    loop: str, walls: str, tmp_path: Path
) -> None:
    """The attacker's command lists its own descriptors and where they lead, looking for a
    host file the server process has open (one a library even marked inheritable): only its
    stdin, its output pipe and its own command substitution's pipe are there."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    secret = tmp_path / "server-only.db"
    secret.write_text("host data\n")
    held = os.open(secret, os.O_RDONLY)
    os.set_inheritable(held, True)
    command = 'for f in /proc/$$/fd/*; do echo "${f##*/} $(readlink "$f")"; done'
    sandbox = Sandbox() if walls == "sandbox" else None
    try:
        text, _ = LOOPS[loop](run_bash(workspace, lambda _: None, command, 30, sandbox))
    finally:
        os.close(held)
    shown = dict(line.split(" ", 1) for line in text.splitlines()[:-1])
    assert str(secret) not in text, text
    assert shown["0"] == "/dev/null" and shown["1"] == shown["2"], text
    assert all(target.startswith(("pipe:", "/dev/null")) for target in shown.values()), text


def _children() -> set[int]:
    """This process's children, ended or not, whichever thread started them (a thread that
    ended while listed is skipped: its children pass to the threads still listed)."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


@pytest.mark.parametrize("loop", sorted(LOOPS))
def test_a_command_that_cannot_be_followed_is_ended_and_leaves_no_descriptor(
    loop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel refuses the pidfd after the command started (no descriptor left): the call
    fails with the reason, and neither the command nor its pipe outlives it."""

    def no_descriptor_left(pid: int, flags: int = 0) -> int:
        raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))

    children, descriptors = _children(), set(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "pidfd_open", no_descriptor_left)
    with pytest.raises(ToolException, match="Too many open files"):
        LOOPS[loop](run_bash(tmp_path, lambda _: None, "sleep 60", 30))
    assert _children() == children, "the command runs on, unfollowed (or was never reaped)"
    assert set(os.listdir("/proc/self/fd")) <= descriptors, "its output pipe stayed open"
