"""One Jupyter kernel: ipykernel in its own process group (inside the sandbox when it is on),
reached through jupyter_client over Unix sockets in a private folder (tools/kernel/runtime.py:
the host reads no file the kernel can write; what it prints comes through a pipe).

Unix sockets rather than TCP: a sandboxed kernel has its own network namespace (no loopback
shared with the host), but a folder bound into it is reachable from both sides. Interrupts are
`interrupt_request` messages on the control channel (ipykernel raises KeyboardInterrupt in the
running cell), so they work the same inside bubblewrap's PID namespace.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import queue
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from configs.workspace_env import program_environ
from tools.kernel.execution import Execution, output_of
from tools.kernel.freeze import freeze, thaw
from tools.kernel.interpreter import Interpreter
from tools.kernel.kernel_log import KernelLog
from tools.kernel.memory import group_rss, limited
from tools.kernel.runtime import KernelRuntime, make_runtime
from tools.local.host_git import neutral_git_env
from tools.local.sandbox import Sandbox
from tools.local.sandbox_gate import SandboxBreach
from tools.local.sandbox_pins import Wrapped, vanished_mount
from tools.local.tree_scan import TreeScan

START_TIMEOUT_S = 60
INTERRUPT_GRACE_S = 10  # how long an interrupted cell may take to stop before the kernel is killed
POLL_S = 0.2
SOCKET_POLL_S = 0.05  # while the kernel binds its sockets
NOT_A_SOCKET = "the host connects only to a socket the kernel bound, never through a link"
REPLY_WAIT_S = 2.0
SHUTDOWN_WAIT_S = 2.0  # each: for the reply to a shutdown request, then for the exit
CWD = "__import__('os').getcwd()"  # asked after each cell, with the reply


class KernelStartError(Exception):
    """The kernel did not come up; the message says what it printed."""


class Kernel:
    """A started kernel; `execute` runs cells, `interrupt` stops one, `shutdown` ends it."""

    def __init__(
        self,
        interpreter: Interpreter,
        cwd: Path,
        sandbox: Sandbox | None,
        memory_mb: int | None = None,
        workspace: Path | None = None,
    ) -> None:
        """`cwd`: where it starts; `workspace`: the top of what the walls are built for (by
        default `cwd`): a notebook in a sub-folder is walled like the workspace it is in."""
        self.interpreter, self.cwd, self.sandbox = interpreter, cwd, sandbox
        self.workspace = workspace or cwd
        self.memory_mb = memory_mb
        self.started_s = 0.0
        self._proc: asyncio.subprocess.Process | None = None
        self._runtime: KernelRuntime | None = None
        self._log: KernelLog | None = None
        # The credential places the sandbox hid when the kernel started (resolved paths).
        self.hidden: frozenset[str] = frozenset()
        self.client: Any = None  # jupyter_client's AsyncKernelClient once started
        self.frozen = False  # between calls under the sandbox: nothing of it runs (freeze.py)

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        began = time.monotonic()

        def prepare() -> tuple[Wrapped, dict[str, str]]:  # files: off the loop
            self._runtime = make_runtime()
            wrapped, env = self._command(self._runtime)
            if self.memory_mb:  # the limit holds for the sandbox and the kernel it starts
                wrapped.argv = [*limited(self.memory_mb), *wrapped.argv]
            return wrapped, env

        wrapped, env = await asyncio.to_thread(prepare)
        log = await self._spawn(wrapped, env)
        if log is not None:  # bubblewrap ended before the walls were up: what it said
            with contextlib.suppress(TimeoutError):
                said = await asyncio.wait_for(log.read(), SHUTDOWN_WAIT_S)
                log = _replayed(said)
                if self.sandbox is not None and vanished_mount(os.fsdecode(said), wrapped.argv):
                    await self.kill()  # a place it hides vanished since the scan: once more
                    await asyncio.to_thread(self._cleanup)
                    log = await self._spawn(*await asyncio.to_thread(prepare))
        assert self._proc is not None and self._proc.stdout is not None
        self._log = KernelLog(log or self._proc.stdout)
        await self._wait_ready()
        self.started_s = time.monotonic() - began

    async def _spawn(self, wrapped: Wrapped, env: dict[str, str]) -> asyncio.StreamReader | None:
        """Start the kernel's command and let it run once its mounts are checked; its output
        stream when bubblewrap ended before the walls were up (else None: running)."""
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *wrapped.argv,
                cwd=self.cwd,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,  # its log: a pipe, never a file it could swap
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                pass_fds=wrapped.pass_fds,
            )
        except OSError as error:
            wrapped.abandon()
            await asyncio.to_thread(self._cleanup)
            raise KernelStartError(f"could not start {wrapped.argv[0]}: {error.strerror}") from None
        finally:
            wrapped.close()
        try:
            admitted = await asyncio.to_thread(wrapped.admit)  # its mounts checked before it runs
        except SandboxBreach as breach:
            await self.shutdown()
            raise KernelStartError(str(breach)) from None
        except asyncio.CancelledError:
            await self.shutdown()
            raise
        return None if admitted else self._proc.stdout

    async def _connect(self, deadline: float) -> bool:
        """Until the kernel bound its sockets, then the client connected to them (through
        descriptors checked to be sockets: runtime.py); False when it died or took too long."""
        from jupyter_client.asynchronous import AsyncKernelClient

        assert self._runtime is not None
        while self.alive and time.monotonic() < deadline:
            try:
                info = await asyncio.to_thread(self._runtime.pin_sockets)
            except OSError as error:  # UnsafePath: something else at a socket's name
                await self._fail(f"its socket {error.filename} is {error.strerror}; {NOT_A_SOCKET}")
            if info is not None:
                self.client = AsyncKernelClient()
                self.client.load_connection_info(info)  # kept in memory, never re-read
                self.client.start_channels(hb=False)  # liveness is the process, not heartbeats
                return True
            await asyncio.sleep(SOCKET_POLL_S)
        return False

    def _command(self, runtime: KernelRuntime) -> tuple[Wrapped, dict[str, str]]:
        argv = [
            self.interpreter.path,
            *(runtime.launcher, "-f", runtime.connection_file),  # ipykernel's launcher, lighter
            "--HistoryManager.enabled=False",  # no SQLite file in a read-only home
        ]
        extra = {
            "IPYTHONDIR": os.path.join(runtime.writable, "ipython"),
            "MPLCONFIGDIR": os.path.join(runtime.writable, "matplotlib"),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "PYTHONUNBUFFERED": "1",
        }
        if self.sandbox is None:
            env = neutral_git_env({**program_environ(), "JPY_PARENT_PID": str(os.getpid())})
            return Wrapped(argv), {**env, **extra}
        found = TreeScan().scan(self.sandbox.roots(self.workspace))
        self.hidden = frozenset(self.sandbox.hidden_places(self.workspace, found))
        environment = str(Path(self.interpreter.path).parent.parent)  # .../.venv/bin/python
        wrapped = self.sandbox.wrap(
            argv,
            self.workspace,
            found,
            channels=runtime.writable,
            readable=[environment, runtime.conf],
            cwd=self.cwd,
        )
        return wrapped, {**self.sandbox.environment(program_environ()), **extra}

    async def _wait_ready(self) -> None:
        """Until the kernel answers `kernel_info` and its output channel is connected."""
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            connected = await self._connect(deadline)
            while connected and self.alive and time.monotonic() < deadline:
                self.client.kernel_info()
                try:
                    reply = await self.client.get_shell_msg(timeout=1)
                    if reply["msg_type"] == "kernel_info_reply":
                        await self.client.get_iopub_msg(timeout=0.5)
                        return
                except queue.Empty:
                    continue
        except asyncio.CancelledError:
            await self.shutdown()
            raise
        await self._fail(f"no answer within {START_TIMEOUT_S} s." if self.alive else "")

    async def _fail(self, why: str) -> NoReturn:
        """End the kernel that did not come up; KernelStartError with `why` and what it printed."""
        if self._log is not None and not self.alive:
            await self._log.finished()
        said = " ".join(part for part in (why, self.log_tail()) if part)
        await self.shutdown()
        raise KernelStartError(said or "it exited without saying why")

    def log_tail(self, chars: int = 1500) -> str:
        """The end of what the kernel process printed outside any cell (start-up errors)."""
        return self._log.tail(chars) if self._log is not None else ""

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def pid(self) -> int | None:
        """The kernel's outermost process (bubblewrap under the sandbox), if started."""
        return self._proc.pid if self._proc is not None else None

    async def freeze(self) -> bool:
        """Stop every process of the kernel until `thaw` (freeze.py); False when that could
        not be done (the caller ends the kernel)."""
        if self._proc is None or not self.alive:
            return False
        self.frozen = True
        return await asyncio.to_thread(freeze, self._proc.pid)

    async def thaw(self) -> None:
        if self._proc is not None and self.frozen:
            await asyncio.to_thread(thaw, self._proc.pid)
        self.frozen = False

    @property
    def exit_code(self) -> int | None:
        return self._proc.returncode if self._proc is not None else None

    async def shutdown(self) -> None:
        """Ask the kernel to end, then end its whole process group; remove its folder."""
        if self.client is not None and self.alive and not self.frozen:  # a frozen one answers not
            with contextlib.suppress(Exception):
                self.client.shutdown()
                await self.client.get_control_msg(timeout=SHUTDOWN_WAIT_S)  # its reply
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._proc.wait(), SHUTDOWN_WAIT_S)  # type: ignore[union-attr]
        await self.kill()
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
        if self._log is not None:
            await self._log.close()
        await asyncio.to_thread(self._cleanup)

    async def kill(self) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        with contextlib.suppress(TimeoutError, ProcessLookupError):
            await asyncio.wait_for(self._proc.wait(), 5)

    def _cleanup(self) -> None:
        if self._runtime is not None:
            self._runtime.remove()

    def interrupt(self) -> None:
        """KeyboardInterrupt in the running cell (its state is kept)."""
        message = self.client.session.msg("interrupt_request", content={})
        self.client.control_channel.send(message)

    def memory_bytes(self) -> int | None:
        """Resident memory of the kernel's process group (Linux), or None."""
        if self._proc is None or not self.alive:
            return None
        return group_rss(self._proc.pid)

    # -- running code ---------------------------------------------------------------------

    async def execute(
        self,
        code: str,
        timeout: float,  # noqa: ASYNC109 - enforced by interrupting the kernel, not by cancelling
        on_output: Callable[[dict[str, Any]], None],
    ) -> Execution:
        """Run `code`; on timeout or cancel the kernel is interrupted and keeps its state."""
        done = Execution()
        msg_id = self.client.execute(
            code, allow_stdin=False, store_history=True, user_expressions={"cwd": CWD}
        )
        deadline = time.monotonic() + timeout
        try:
            if await self._follow(msg_id, deadline, done, on_output):
                if done.outcome in ("ok", "error"):
                    done.cwd = await self._working_directory(msg_id)
                return done.finish()
            self.interrupt()
            done.outcome = "interrupted"
            if not await self._follow(
                msg_id, time.monotonic() + INTERRUPT_GRACE_S, done, on_output
            ):
                await self.kill()
                done.outcome = "killed"
        except asyncio.CancelledError:
            await asyncio.shield(self._stop_cell(msg_id))
            raise
        return done.finish()

    async def _working_directory(self, msg_id: str) -> str | None:
        """The cell's `execute_reply` (also draining older replies): where the kernel now is."""
        deadline = time.monotonic() + REPLY_WAIT_S
        while time.monotonic() < deadline and self.alive:
            try:
                reply = await self.client.get_shell_msg(timeout=POLL_S)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            found = (reply["content"].get("user_expressions") or {}).get("cwd") or {}
            text = (found.get("data") or {}).get("text/plain")
            with contextlib.suppress(ValueError, SyntaxError):
                value = ast.literal_eval(text) if isinstance(text, str) else None
                return value if isinstance(value, str) else None
            return None
        return None

    async def _stop_cell(self, msg_id: str) -> None:
        with contextlib.suppress(Exception):
            self.interrupt()
            if not await self._follow(msg_id, time.monotonic() + INTERRUPT_GRACE_S, Execution()):
                await self.kill()

    async def _follow(
        self,
        msg_id: str,
        deadline: float,
        done: Execution,
        on_output: Callable[[dict[str, Any]], None] | None = None,
    ) -> bool:
        """Collect the cell's outputs until it ends (True) or `deadline` passes (False)."""
        while time.monotonic() < deadline:
            if not self.alive:
                done.outcome, done.exit_code = "died", self.exit_code
                return True
            try:
                message = await self.client.get_iopub_msg(timeout=POLL_S)
            except queue.Empty:
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                return True
            output = output_of(kind, content)
            if output is None:
                continue
            if kind == "execute_input":
                done.execution_count = content.get("execution_count")
                continue
            if kind == "error" and done.outcome == "ok":
                done.outcome = "error"
            if kind == "clear_output":
                done.outputs.clear()
                continue
            done.add(output)
            if on_output is not None:
                on_output(output)
        return False


def _replayed(data: bytes) -> asyncio.StreamReader:
    """A stream that gives `data` again, then ends (the output read to decide on a retry)."""
    stream = asyncio.StreamReader()
    stream.feed_data(data)
    stream.feed_eof()
    return stream
