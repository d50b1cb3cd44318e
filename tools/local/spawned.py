"""Start a program from a coroutine without the event loop forking the process.

`spawn` starts it with Python's own `subprocess` in a worker thread (vfork, then exec: well
under a millisecond whatever the process's size) and follows it on the running loop: its output
read from the pipe's descriptor as it comes, its end through a pidfd. The result answers as much of
`asyncio.subprocess.Process` as the bash tool uses: `pid`, `stdout`, `returncode`, `wait()`.

uvloop (which uvicorn picks when it is installed, so `langgraph dev` and the team server run
on it) starts a child by forking the whole server and running every at-fork hook: 17 ms of CPU
and 38 ms of a blocked event loop a `bash` call at 400 MB.
Why: 32 bash runs on one server took 2.7-3.2x their model time (docs/lab/2026-11-27.md).

Where `os.pidfd_open` is missing (not Linux), the loop's own `create_subprocess_exec` runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
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
    """A program started by `spawn`: its output read on the loop into a stream, its end seen
    through a pidfd (`returncode` is None until then; it is reaped here, once)."""

    def __init__(self, popen: subprocess.Popen[bytes], output: int, pidfd: int) -> None:
        loop = asyncio.get_running_loop()
        self._popen = popen
        self.pid = popen.pid
        self.stdout: asyncio.StreamReader | None = asyncio.StreamReader(loop=loop)
        self._ended = asyncio.Event()
        _read_into(loop, output, self.stdout)
        self._follow(loop, pidfd)

    @property
    def returncode(self) -> int | None:
        return self._popen.returncode

    async def wait(self) -> int:
        await self._ended.wait()
        return self._popen.returncode  # type: ignore[return-value]

    def _follow(self, loop: asyncio.AbstractEventLoop, pidfd: int) -> None:
        def ended() -> None:
            loop.remove_reader(pidfd)
            os.close(pidfd)
            self._popen.wait()  # it has ended: reaps it without blocking
            self._ended.set()

        loop.add_reader(pidfd, ended)


def _read_into(loop: asyncio.AbstractEventLoop, fd: int, stream: asyncio.StreamReader) -> None:
    """Feed what the pipe `fd` carries into `stream` as it comes, then its end; `fd` is closed
    here, once, at that end. No file object holds it: uvloop closes a pipe's file object again
    after libuv closed its descriptor, which in a threaded server can be another file's by then."""
    os.set_blocking(fd, False)

    def readable() -> None:
        try:
            data = os.read(fd, 65_536)
        except BlockingIOError:
            return
        except OSError:
            data = b""  # a pipe that cannot be read has ended for the reader
        if data:
            stream.feed_data(data)
            return
        loop.remove_reader(fd)
        os.close(fd)
        stream.feed_eof()

    loop.add_reader(fd, readable)


async def spawn(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    pass_fds: Collection[int] = (),
) -> Started:
    """Start `argv` in its own session, stdin empty, stdout and stderr one pipe, only
    `pass_fds` inherited; OSError when it cannot start or cannot be followed (then it is
    killed with its group and reaped, and no descriptor of it stays open)."""
    if not hasattr(os, "pidfd_open"):
        return await asyncio.create_subprocess_exec(
            *argv, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True, pass_fds=pass_fds,
        )  # fmt: skip
    read, write = os.pipe()
    try:
        # In a thread: Popen waits for the exec on a pipe, which a server's blocking-call check
        # (langgraph dev's) refuses on the loop.
        popen = await asyncio.to_thread(
            subprocess.Popen, argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
            stdout=write, stderr=subprocess.STDOUT, start_new_session=True,
            pass_fds=tuple(pass_fds),
        )  # fmt: skip
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    try:
        pidfd = os.pidfd_open(popen.pid)
    except OSError:  # no descriptor left (EMFILE): a command nobody follows must not run on
        os.close(read)
        os.killpg(popen.pid, signal.SIGKILL)  # its own session: the group is its pid
        await asyncio.to_thread(popen.wait)
        raise
    return Spawned(popen, read, pidfd)
