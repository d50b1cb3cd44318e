"""Start a program from a coroutine without the event loop forking the process.

`spawn` starts it with Python's own `subprocess` (vfork, then exec: the parent waits well
under a millisecond whatever its size) and follows it on the running loop: its output
through a read pipe, its end through a pidfd. The result answers as much of
`asyncio.subprocess.Process` as the bash tool uses: `pid`, `stdout`, `returncode`, `wait()`.

Why: uvloop (which uvicorn picks when it is installed, so `langgraph dev` and the team
server run on it) starts a child by forking the whole server and running every at-fork hook:
17 ms of CPU and 38 ms of a blocked event loop a `bash` call at 400 MB (docs/lab/2026-11-27.md).

Where `os.pidfd_open` is missing (not Linux), the loop's own `create_subprocess_exec` runs.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Protocol


class Started(Protocol):
    """What the bash tool reads of a started program."""

    pid: int
    stdout: asyncio.StreamReader | None

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...


class Spawned:
    """A program started by `spawn`: its output as a stream, its end seen through a pidfd
    (`returncode` is None until then; it is reaped here, once)."""

    def __init__(self, popen: subprocess.Popen[bytes], loop: asyncio.AbstractEventLoop) -> None:
        self._popen = popen
        self.pid = popen.pid
        self.stdout: asyncio.StreamReader | None = asyncio.StreamReader(loop=loop)
        self._ended = asyncio.Event()
        self._follow(loop)

    @property
    def returncode(self) -> int | None:
        return self._popen.returncode

    async def wait(self) -> int:
        await self._ended.wait()
        return self._popen.returncode  # type: ignore[return-value]

    def _follow(self, loop: asyncio.AbstractEventLoop) -> None:
        pidfd = os.pidfd_open(self.pid)

        def ended() -> None:
            loop.remove_reader(pidfd)
            os.close(pidfd)
            self._popen.wait()  # it has ended: reaps it without blocking
            self._ended.set()

        loop.add_reader(pidfd, ended)


async def spawn(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    pass_fds: Collection[int] = (),
) -> Started:
    """Start `argv` in its own session, stdin empty, stdout and stderr one pipe, only
    `pass_fds` inherited; OSError when it cannot start."""
    if not hasattr(os, "pidfd_open"):
        return await asyncio.create_subprocess_exec(
            *argv, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True, pass_fds=pass_fds,
        )  # fmt: skip
    loop = asyncio.get_running_loop()
    popen = subprocess.Popen(  # noqa: ASYNC220 - vfork: the loop waits well under a millisecond
        argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True, pass_fds=tuple(pass_fds),
    )  # fmt: skip
    started = Spawned(popen, loop)
    assert popen.stdout is not None and started.stdout is not None
    reader = started.stdout
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), popen.stdout)
    return started
