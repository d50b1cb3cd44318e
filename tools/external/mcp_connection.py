"""One MCP server's session, kept open for the life of the process.

The adapters' default opens a new session (for stdio, a new process) on every tool call.
Here one task per server owns the session: it enters the transport and the ClientSession,
lists the tools, then waits until it is told to stop. Tool calls from any task use that
session. Every request has a read timeout, so a hung server costs one timeout, not the run.
A session found dead (closed connection, timeout, transport error) is dropped and a new one
is opened on next use.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp import ClientSession, McpError, types
from mcp.shared.session import ProgressFnT

from tools.result_texts import tool_text
from tools.result_texts.external import (
    AT_URL,
    CLOSED,
    ERROR,
    NO_ANSWER,
    NO_COMMAND,
    NOT_STARTED,
    SLOW,
    STDERR,
    STOPPED,
)
from tools.secrets import redact, remember_server_secrets, without_secrets
from tools.secrets.masked_log import MaskedLog

State = Literal["stopped", "connecting", "connected", "failed"]
STOP_GRACE_S = 5.0
REQUEST_TIMEOUT_CODE = 408  # what mcp's ClientSession raises when a read timeout expires
STDERR_LINES = 5  # of a server that failed to start, shown in its warning


class ServerUnavailable(Exception):
    """The server could not be reached; the message says why, for a person."""


def innermost(exc: BaseException) -> BaseException:
    """The first real exception inside anyio's exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def describe(exc: BaseException) -> str:
    """The innermost useful message of an exception, for a person."""
    exc = innermost(exc)
    if isinstance(exc, McpError):
        return exc.error.message
    if isinstance(exc, FileNotFoundError):
        return tool_text("mcp", NO_COMMAND, what=exc.filename or exc)
    if isinstance(exc, TimeoutError):
        return tool_text("mcp", NO_ANSWER)
    text = str(exc).strip()
    name = type(exc).__name__
    return tool_text("mcp", ERROR, name=name, text=text) if text else name


@asynccontextmanager
async def open_client_session(
    connection: Mapping[str, Any],
    session_kwargs: dict[str, Any],
    errlog: MaskedLog | None,
    on_closed: Callable[[], None],
) -> AsyncIterator[ClientSession]:
    """A ClientSession for an adapters' connection dict (not yet initialized).

    stdio is opened here so the server's stderr goes to `errlog` (masked), not the user's
    terminal, and `on_closed` is called when the server's stdout ends (it exited or was killed); the
    other transports go through langchain-mcp-adapters' `create_session`.
    """
    remember_server_secrets(connection)
    if connection["transport"] != "stdio":
        from langchain_mcp_adapters.sessions import create_session

        params = {**connection, "session_kwargs": session_kwargs}
        async with create_session(params) as session:  # type: ignore[arg-type]
            yield session
        return
    from mcp import StdioServerParameters
    from mcp.client.stdio import stdio_client

    server = StdioServerParameters(
        command=connection["command"],
        args=list(connection.get("args") or []),
        # The user's environment minus secrets (proxies, CA bundles, uv/npx settings work),
        # then what the config gives the server: its tokens only when the config says so.
        env={**without_secrets(), **(connection.get("env") or {})},
        cwd=connection.get("cwd"),
    )
    with contextlib.ExitStack() as files:
        # File work in a thread: the LangGraph server refuses blocking calls on its loop.
        log = files.enter_context(await asyncio.to_thread(open_errlog, errlog))
        async with (
            stdio_client(server, errlog=log) as (read, write),
            anyio.create_task_group() as relays,
        ):
            log.close()  # the server has its own copy: the log ends when the server does
            # mcp's session never learns that stdout ended: a request sent after that waits
            # for its full read timeout. Relaying the stream lets us notice the end at once.
            relayed, relayed_reader = anyio.create_memory_object_stream[Any](0)
            relays.start_soon(relay, read, relayed, on_closed)
            async with ClientSession(relayed_reader, write, **session_kwargs) as session:
                yield session
            relays.cancel_scope.cancel()


async def relay(
    source: MemoryObjectReceiveStream[Any],
    sink: MemoryObjectSendStream[Any],
    on_closed: Callable[[], None],
) -> None:
    """Forward every message from `source` to `sink`; call `on_closed` when `source` ends."""
    async with sink:
        async for message in source:
            await sink.send(message)
    on_closed()


def open_errlog(errlog: MaskedLog | None) -> Any:
    """The server's stderr: appended to `errlog` with its secrets masked (a server may print
    the token it was given), or dropped when there is none."""
    if errlog is None:
        import os

        return open(os.devnull, "w", encoding="utf-8")
    return errlog.sink()


class McpConnection:
    """The long-lived session to one server; `call_tool` reconnects a dead one."""

    def __init__(
        self,
        name: str,
        connection: Mapping[str, Any],
        *,
        timeout_s: float,
        errlog: Path | None = None,
    ) -> None:
        self.name = name
        self.connection = dict(connection)
        self.timeout_s = timeout_s
        self.errlog = errlog
        self._stderr = MaskedLog(errlog) if errlog is not None else None
        self.state: State = "stopped"
        self.error: str | None = None
        self.tools: list[types.Tool] = []
        self._session: ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._ended = asyncio.Event()  # the server's output ended (stdio): the session is dead
        self._closing: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

    @property
    def transport(self) -> str:
        return str(self.connection["transport"])

    async def connect(self) -> None:
        """Open the session (spawning the server for stdio) and list its tools."""
        async with self._lock:
            await self._open()

    async def session(self) -> ClientSession:
        async with self._lock:
            if not self.alive:
                await self._open()
            assert self._session is not None
            return self._session

    async def call_tool(
        self, tool: str, arguments: dict[str, Any], progress: ProgressFnT | None = None
    ) -> types.CallToolResult:
        """Call `tool`; ServerUnavailable when the server is down or stops answering."""
        for attempt in range(2):
            session = await self.session()
            try:
                return await session.call_tool(tool, arguments, progress_callback=progress)
            except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                # The connection closed while idle: the request never left, so retrying is safe.
                await self.lost(tool_text("mcp", CLOSED))
                if attempt:
                    raise ServerUnavailable(self.error) from None
            except McpError as exc:
                if exc.error.code == types.CONNECTION_CLOSED:
                    await self.lost(tool_text("mcp", STOPPED))
                elif exc.error.code == REQUEST_TIMEOUT_CODE:
                    await self.lost(tool_text("mcp", SLOW, seconds=self.timeout_s))
                else:
                    raise  # a live server refused the request: the caller reports it
                raise ServerUnavailable(self.error) from None
        raise AssertionError("unreachable")

    async def lost(self, why: str) -> None:
        """Drop a session that stopped working (its shutdown goes on in the background);
        the next use opens a new one."""
        self._retire()
        self.state, self.error = "failed", why

    async def close(self) -> None:
        """Stop the session and wait (at most a few seconds) until it and any session
        dropped before it have shut down; for stdio that is when the process has exited."""
        self._retire()
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=STOP_GRACE_S)

    def _retire(self) -> None:
        # Never cancel the owner task: cancelled mid-shutdown, the stdio transport waits for
        # the process to exit by itself. Told to stop, it closes stdin, then SIGTERM, SIGKILL.
        task, self._task = self._task, None
        self._session = None
        self.state = "stopped"
        self._stop.set()
        if task is not None and not task.done():
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    # -- the owner task ---------------------------------------------------------------------

    async def _open(self) -> None:
        logged = await asyncio.to_thread(self._log_size)
        self._retire()
        self.state, self.error = "connecting", None
        self._stop = asyncio.Event()
        self._ended = asyncio.Event()
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(
            self._own(ready, self._stop, self._ended), name=f"mcp:{self.name}"
        )
        try:
            # The read timeout bounds initialize and list_tools; this bounds the spawn as well.
            await asyncio.wait_for(asyncio.shield(ready), self.timeout_s * 2 + 5)
        except BaseException as exc:
            self._retire()
            self.state, self.error = "failed", self._explain(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            self.error += await asyncio.to_thread(self._stderr_since, logged)
            raise ServerUnavailable(self.error) from None
        self.state = "connected"

    def _log_size(self) -> int:
        try:
            return self.errlog.stat().st_size if self.errlog is not None else 0
        except OSError:
            return 0

    def _stderr_since(self, offset: int) -> str:
        """What the server wrote to stderr while failing to start (its last lines), redacted."""
        if self._stderr is None or self.errlog is None or self.transport != "stdio":
            return ""
        self._stderr.settle()
        try:
            with self.errlog.open("rb") as log:
                log.seek(offset)
                text = log.read()[-4000:].decode("utf-8", errors="replace")
        except OSError:
            return ""
        lines = [line for line in text.splitlines() if line.strip()][-STDERR_LINES:]
        said = redact(" | ".join(line.strip() for line in lines)[-600:])
        return tool_text("mcp", STDERR, said=said, log=self.errlog) if said else ""

    def _explain(self, exc: BaseException) -> str:
        exc = innermost(exc)
        if isinstance(exc, McpError) and exc.error.code == REQUEST_TIMEOUT_CODE:
            return tool_text("mcp", SLOW, seconds=self.timeout_s)
        if isinstance(exc, TimeoutError):
            return tool_text("mcp", NOT_STARTED)
        where = self.connection.get("url")
        return tool_text("mcp", AT_URL, error=describe(exc), url=where) if where else describe(exc)

    async def _own(
        self, ready: asyncio.Future[None], stop: asyncio.Event, ended: asyncio.Event
    ) -> None:
        async def on_message(message: Any) -> None:
            # HTTP transport failures (refused connection, 401, ...) arrive here as exceptions;
            # without this a request would wait for its full read timeout. (On stdio they
            # are unparsable stdout lines, which a server may print: not fatal.)
            if isinstance(message, Exception) and self.transport != "stdio":
                if not ready.done():
                    ready.set_exception(message)
                else:
                    self.error = describe(message)
                stop.set()

        kwargs = {
            "read_timeout_seconds": timedelta(seconds=self.timeout_s),
            "message_handler": on_message,
        }
        try:
            async with open_client_session(
                self.connection, kwargs, self._stderr, on_closed=ended.set
            ) as session:
                try:
                    await session.initialize()
                    self.tools = await list_all_tools(session)
                except Exception as exc:  # say so now: closing a hung process takes seconds
                    if not ready.done():
                        ready.set_exception(exc)
                    raise
                self._session = session
                if not ready.done():
                    ready.set_result(None)
                await stop.wait()
        except asyncio.CancelledError:
            if not ready.done():
                ready.cancel()
            raise
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            else:
                self.error = describe(exc)
        finally:
            self._session = None

    @property
    def alive(self) -> bool:
        """True while the session is open; a stdio server that exits ends its session at once."""
        # Only marked, not stopped: a call in flight still gets the session's own
        # "connection closed" answer; the next call sees it dead and reconnects.
        task = self._task
        alive = self._session is not None and task is not None and not task.done()
        return alive and not self._ended.is_set()

    @property
    def status(self) -> State:
        if self.state == "connected" and not self.alive:
            return "failed"
        return self.state


async def list_all_tools(session: ClientSession) -> list[types.Tool]:
    tools: list[types.Tool] = []
    cursor: str | None = None
    for _ in range(100):
        page = await session.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.nextCursor
        if not cursor:
            break
    return tools
