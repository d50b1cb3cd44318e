"""The `bash` tool's engine: a command in its own process group, output cleaned and capped.

Killing the whole group on timeout or cancel means no orphan processes survive the call.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import signal
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from langchain_core.tools import ToolException

from configs.workspace_env import program_environ
from tools.local.git_guard import GitState, git_state, undo_plants
from tools.local.host_git import neutral_git_env
from tools.local.sandbox import Sandbox, SandboxUnavailable
from tools.local.sandbox_gate import SandboxBreach
from tools.local.sandbox_pins import Wrapped, vanished_mount
from tools.local.spawned import Started, spawn
from tools.local.tree_scan import Findings, TreeScan
from tools.outcome import Outcome, nonblank_lines
from tools.result_texts import tool_text
from tools.result_texts.shell import (
    BREACH,
    EXIT_CODE,
    KILLED,
    NO_OUTPUT,
    NOT_STARTED,
    OMITTED,
    SANDBOX_DOWN,
    TIMED_OUT,
)

KILL_GRACE_S = 2.0
DRAIN_S = 0.5  # keep reading this long after bash exits; background children may hold the pipe
LOG_BURST = 200  # tool_log lines always streamed, then throttled
LOG_INTERVAL_S = 0.05
OUTPUT_KEEP_CHARS = 256_000  # bash output kept at the head and again at the tail
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


class _Output:
    """Bash output as clean lines (ANSI removed, `\\r` progress settled); head and tail kept.

    Lines are handled a read at a time, not one by one: a command printing 100 MB of short
    lines (2.7 million) cost the server's event loop 1.7-2.8 s of CPU, now 0.25 s."""

    def __init__(self, emit: Throttled) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._emit: Throttled | None = emit  # None once closed
        self._head: list[str] = []
        self._tail: deque[tuple[list[str], int]] = deque()  # (a read's lines, their chars)
        self._head_chars = self._tail_chars = self._dropped = 0

    def feed(self, data: bytes, *, final: bool = False) -> None:
        if self._emit is None:
            return  # closed: a background child still writing; drop it
        text = self._pending + self._decoder.decode(data, final)
        *lines, self._pending = text.split("\n")
        if self._pending and (final or len(self._pending) > 65_536):
            lines.append(self._pending)
            self._pending = ""
        if "\x1b" in text or "\r" in text:
            lines = [_cleaned(line) for line in lines]
        if lines:
            self._add(lines)

    def close(self) -> str:
        """Flush, stop collecting, and return the text."""
        self.feed(b"", final=True)
        self._emit = None
        kept = [line for read, _ in self._tail for line in read]
        over = 0  # the oldest kept read's lines beyond the last OUTPUT_KEEP_CHARS
        while self._tail_chars > OUTPUT_KEEP_CHARS:
            self._tail_chars -= len(kept[over]) + 1
            over += 1
        self._dropped += over
        gap = [tool_text("bash", OMITTED, count=self._dropped)] if self._dropped else []
        return "\n".join([*self._head, *gap, *kept[over:]])

    def _add(self, lines: list[str]) -> None:
        assert self._emit is not None
        self._emit.lines(lines)
        taken = 0
        while taken < len(lines) and self._head_chars < OUTPUT_KEEP_CHARS:
            self._head.append(lines[taken])
            self._head_chars += len(lines[taken]) + 1
            taken += 1
        rest = lines[taken:]
        if not rest:
            return
        chars = sum(map(len, rest)) + len(rest)
        self._tail.append((rest, chars))
        self._tail_chars += chars
        # A read whose later ones hold OUTPUT_KEEP_CHARS is dropped whole; `close` trims the
        # oldest kept read line by line to the last OUTPUT_KEEP_CHARS.
        while self._tail_chars - self._tail[0][1] >= OUTPUT_KEEP_CHARS:
            read, chars = self._tail.popleft()
            self._tail_chars -= chars
            self._dropped += len(read)


def _cleaned(line: str) -> str:
    line = _ANSI.sub("", line) if "\x1b" in line else line
    return line.rstrip("\r").rsplit("\r", 1)[-1] if "\r" in line else line


class Throttled:
    """`emit` for output lines at a bounded rate, so a flood of output cannot flood the UI.

    The first LOG_BURST lines all go; after that at most one line per LOG_INTERVAL_S (the
    output itself is kept whole). Called with a line, or with a read's lines (`lines`).
    """

    def __init__(self, emit: Callable[[str], None]) -> None:
        self._emit = emit
        self._sent = 0
        self._last = 0.0

    def __call__(self, line: str) -> None:
        self.lines([line])

    def lines(self, lines: list[str]) -> None:
        now = time.monotonic()
        burst = lines[: max(0, LOG_BURST - self._sent)]  # each sets the time of the last
        if not burst and now - self._last >= LOG_INTERVAL_S:
            burst = lines[:1]
        for line in burst:
            self._emit(line)
        if burst:
            self._sent, self._last = self._sent + len(burst), now


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def _kill_group(proc: Started) -> None:
    """SIGTERM the process group, give it a moment, then SIGKILL whatever is left.

    The output is drained meanwhile: a full pipe would keep the processes (and, on
    Python 3.11, `proc.wait()`) from ever finishing.
    """
    drain = asyncio.ensure_future(_discard(proc.stdout))
    try:
        for sig, grace in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, KILL_GRACE_S)):
            _signal_group(proc.pid, sig)
            with suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), grace)
                return
    finally:
        _signal_group(proc.pid, signal.SIGKILL)  # stragglers that left the pipe
        drain.cancel()


async def _discard(stream: asyncio.StreamReader | None) -> None:
    if stream is not None:
        while await stream.read(1 << 16):
            pass


async def _collect(proc: Started, output: _Output) -> None:
    """Read output until bash exits (plus a short drain).

    A background child that keeps the pipe open (`cmd &` without redirection) is left running;
    its reader stays alive, discarding output, so the child never blocks on a full pipe. We poll
    `returncode` because on Python 3.11 `proc.wait()` also waits for every pipe to close.
    """

    async def pump() -> None:
        assert proc.stdout is not None
        while chunk := await proc.stdout.read(65_536):
            output.feed(chunk)

    reader = asyncio.create_task(pump())
    try:
        while proc.returncode is None and not reader.done():
            await asyncio.wait({reader}, timeout=0.1)
        await asyncio.wait({reader}, timeout=DRAIN_S)
        if proc.returncode is None:
            await proc.wait()
    except BaseException:
        reader.cancel()
        raise


def _exit_note(code: int | None) -> str:
    if code is not None and code < 0:
        return tool_text("bash", KILLED, code=code, signal=signal.Signals(-code).name)
    return tool_text("bash", EXIT_CODE, code=code)


def _command_line(
    command: str, cwd: Path, sandbox: Sandbox | None, found: Findings | None
) -> tuple[Wrapped, dict[str, str]]:
    """bash's command line and environment: on the host with git's program-running settings
    neutralised (host_git.py), or under `sandbox` (mounts from the walk `found`)."""
    env = {"PAGER": "cat", "GIT_PAGER": "cat", "PYTHONUNBUFFERED": "1", **program_environ()}
    argv = ["/bin/bash", "-c", command]
    if sandbox is None:
        return Wrapped(argv), neutral_git_env(env)
    try:
        wrapped = sandbox.wrap(argv, cwd, found)
    except SandboxUnavailable as error:
        raise ToolException(tool_text("bash", SANDBOX_DOWN, error=error)) from None
    return wrapped, sandbox.environment(env)  # no tokens, keys or agent sockets inside


async def _spawn(wrapped: Wrapped, env: dict[str, str], cwd: Path) -> Started:
    """Start bash in its own process group; a cancel during start-up still kills the group.
    `wrapped`'s descriptors are closed once the start is over, however it ends."""
    start = asyncio.ensure_future(spawn(wrapped.argv, cwd=cwd, env=env, pass_fds=wrapped.pass_fds))
    start.add_done_callback(lambda _: wrapped.close())
    try:
        return await asyncio.shield(start)
    except asyncio.CancelledError:
        with suppress(Exception):
            await _kill_group(await start)
        raise
    except OSError as e:
        raise ToolException(tool_text("bash", NOT_STARTED, cwd=cwd, error=e.strerror)) from e


async def _admit(wrapped: Wrapped, proc: Started) -> str | None:
    """Let the started command run once the sandbox's mounts are checked (sandbox_gate.py);
    a note when it was ended instead."""
    try:
        await asyncio.to_thread(wrapped.admit)
    except SandboxBreach as breach:
        await _kill_group(proc)
        return tool_text("bash", BREACH, breach=breach)
    except BaseException:
        await _kill_group(proc)
        raise
    return None


async def _finish(proc: Started, output: _Output, seconds: int) -> tuple[str, int | None]:
    """The command's output and exit code once it ends, or a note that it timed out (no
    exit code: it did not end by itself)."""
    try:
        async with asyncio.timeout(seconds):
            await _collect(proc, output)
    except TimeoutError:
        await _kill_group(proc)
        return f"{output.close()}\n{tool_text('bash', TIMED_OUT, seconds=seconds)}", None
    except asyncio.CancelledError:
        await _kill_group(proc)
        raise
    code = proc.returncode
    return f"{output.close() or tool_text('bash', NO_OUTPUT)}\n{_exit_note(code)}", code


async def run_bash(
    workspace: Path,
    on_line: Callable[[str], None],
    command: str,
    timeout: int,  # noqa: ASYNC109 - the model's argument, enforced per process group below
    sandbox: Sandbox | None = None,
    scan: TreeScan | None = None,
) -> tuple[str, Outcome]:
    """Run `command` (under `sandbox` when given); its output and exit code, or a note that it
    timed out, and that outcome. Under the sandbox, what it planted for the user's git is
    undone once it has ended (killed or cancelled too), and the output says so (git_guard.py)."""
    scan = scan or TreeScan()
    found = before = None
    if sandbox is not None:
        found = await asyncio.to_thread(lambda: scan.scan(sandbox.roots(workspace)))
        before = git_state(found)
    notes: list[str] = []
    try:
        for _ in range(2):
            # File system work (the mount table, bubblewrap's path): off a server's event loop.
            wrapped, env = await asyncio.to_thread(
                _command_line, command, workspace, sandbox, found
            )
            proc = await _spawn(wrapped, env, workspace)
            if (breach := await _admit(wrapped, proc)) is not None:
                text, code = breach, None
                break
            text, code = await _finish(proc, _Output(Throttled(on_line)), timeout)
            if sandbox is None or not vanished_mount(text, wrapped.argv):
                break
    finally:
        if sandbox is not None and before is not None:
            notes = await asyncio.shield(_guard(scan, sandbox, workspace, before))
            for note in notes:
                on_line(note)
    told = "\n".join(notes)
    return "\n".join([text, *notes]), Outcome(code, notes=1 + nonblank_lines(told))


async def _guard(scan: TreeScan, sandbox: Sandbox, workspace: Path, before: GitState) -> list[str]:
    """The walk after the command, compared with the one before (git_guard.py)."""

    def check() -> list[str]:
        return undo_plants(before, git_state(scan.scan(sandbox.roots(workspace))))

    return await asyncio.to_thread(check)
