"""`ml-intern acp` in a subprocess, driven by the Agent Client Protocol SDK's client side.

The run is forked from the CLI zygote (tests/fakes/cli_zygote.py) like every CLI test; its
pipes are wrapped in asyncio streams and handed to `acp.connect_to_agent`, so every message
the tests send and read is the SDK's, not hand-written JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acp import RequestError, connect_to_agent
from acp.schema import (
    AllowedOutcome,
    DeniedOutcome,
    PermissionOption,
    ReadTextFileResponse,
    RequestPermissionResponse,
    ToolCallUpdate,
    WriteTextFileResponse,
)

from tests.cli.conftest import COMMAND, Cli
from tests.fakes.cli_zygote import ZygotePopen

# (tool call, options) -> the option id to choose; None answers "cancelled"
Chooser = Callable[[ToolCallUpdate, list[PermissionOption]], str | None]


@dataclass
class RecordingClient:
    """The editor's side: records every update and permission request, answers with `choose`."""

    choose: Chooser = lambda _call, _options: "allow"
    updates: list[tuple[str, Any]] = field(default_factory=list)
    permissions: list[tuple[ToolCallUpdate, list[PermissionOption]]] = field(default_factory=list)
    seen: asyncio.Event = field(default_factory=asyncio.Event)
    # The editor's open buffers by absolute path, and every fs request it got (kind, path).
    buffers: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)
    saves: bool = False

    async def session_update(self, session_id: str, update: Any, **_kwargs: Any) -> None:
        self.updates.append((session_id, update))
        self.seen.set()

    async def request_permission(
        self, session_id: str, tool_call: ToolCallUpdate, options: list[PermissionOption],
        **_kwargs: Any,
    ) -> RequestPermissionResponse:  # fmt: skip
        self.permissions.append((tool_call, options))
        chosen = self.choose(tool_call, options)
        if chosen is None:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(
            outcome=AllowedOutcome(outcome="selected", option_id=chosen)
        )

    async def read_text_file(
        self, session_id: str, path: str, line: int | None = None, limit: int | None = None,
        **_kwargs: Any,
    ) -> ReadTextFileResponse:  # fmt: skip
        """An editor's read: the open buffer (unsaved text included), else the file."""
        self.files.append(("read", path))
        if path in self.buffers:
            return ReadTextFileResponse(content=self.buffers[path])
        try:
            return ReadTextFileResponse(content=Path(path).read_text())
        except OSError as error:
            raise RequestError(-32002, f"Resource not found: {path}") from error

    async def write_text_file(
        self, session_id: str, path: str, content: str, **_kwargs: Any
    ) -> WriteTextFileResponse:
        """An editor's write: into the buffer, left unsaved unless `saves` (as Zed saves)."""
        self.files.append(("write", path))
        self.buffers[path] = content
        if self.saves:
            Path(path).write_text(content)
        return WriteTextFileResponse()

    def of_kind(self, kind: str) -> list[Any]:
        return [u for _sid, u in self.updates if u.session_update == kind]

    async def wait_for(self, check: Callable[[], bool], timeout: float = 60) -> None:
        """Until `check()` holds (re-checked on each update), or fail after `timeout`."""
        async with asyncio.timeout(timeout):
            while not check():
                self.seen.clear()
                await self.seen.wait()


@dataclass
class Agent:
    conn: Any
    client: RecordingClient
    process: subprocess.Popen[bytes]

    def write_raw(self, data: bytes) -> None:
        """Bytes straight onto the agent's stdin (for garbage): not through the SDK."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()


@contextlib.asynccontextmanager
async def acp_agent(
    cli: Cli, *args: str, client: RecordingClient | None = None
) -> AsyncIterator[Agent]:
    """`ml-intern acp ARGS` connected to a RecordingClient; stopped (stdin closed) at exit."""
    process = ZygotePopen(
        [*COMMAND, "acp", *args], cwd=cli.cwd, env=cli.env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
    )  # fmt: skip
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=50 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), process.stdout)
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader()), process.stdin
    )
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    client = client or RecordingClient()
    conn = connect_to_agent(client, writer, reader)
    try:
        yield Agent(conn, client, process)
    finally:
        with contextlib.suppress(Exception):
            await conn.close()
        transport.close()
        try:
            await asyncio.to_thread(process.wait, 30)
        finally:
            if process.poll() is None:
                process.kill()
            with contextlib.suppress(Exception):
                process.stderr.close() if process.stderr else None
