"""MCP servers from the config's `mcpServers`, their tools exposed as `<server>__<tool>`.

The config has the Claude-Desktop shape::

    {"git":  {"command": "uvx", "args": ["mcp-server-git"], "env": {}, "cwd": "."},
     "docs": {"transport": "http", "url": "https://example.com/mcp",
              "headers": {"Authorization": "Bearer ${DOCS_TOKEN}"}, "approval": "auto"}}

Our own keys: `approval` ("auto" or "ask" for every tool of the server; by default a tool
runs without asking only when it declares `readOnlyHint`), `timeout` (seconds a request
may take, default 60) and `disabled`. A stdio server inherits the user's environment minus
its secrets (tokens, keys, passwords, credentials) plus its configured `env`: proxies and CA
bundles work, and it gets a token only when the config passes it. Usage::

    async with open_mcp(settings.mcpServers, log_dir=home / "logs") as mcp:
        specs = mcp.specs()           # ToolSpecs for the catalog
        warnings = mcp.take_warnings()  # servers that failed, each reported once
        print(format_status(mcp.status()))  # for /mcp
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain_core.tools import BaseTool, StructuredTool, ToolException

from configs.env_vars import UnsetVariable, expand_vars
from configs.integrations import McpServerSettings
from tools.call_context import current_call
from tools.catalog import ToolSpec
from tools.external.mcp_connection import McpConnection, ServerUnavailable, describe
from tools.policy import always
from tools.result_texts import tool_text
from tools.result_texts.external import (
    BINARY_RESOURCE,
    CONTENT_OMITTED,
    NO_DETAILS,
    REFUSED_CALL,
    RESOURCE_LINK,
    RETRY,
    TOOL_ERROR,
    UNAVAILABLE,
)

DEFAULT_TIMEOUT_S = 60.0
MAX_NAME = 64


class McpConfigError(ValueError):
    """A server's config cannot be used; the message names the server and the fix."""


@dataclass(frozen=True)
class ServerConfig:
    name: str
    connection: dict[str, Any]  # langchain-mcp-adapters' connection dict
    approval: Literal["auto", "ask"] | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S


# --- config ---------------------------------------------------------------------------------


def server_config(
    name: str, raw: Mapping[str, Any] | McpServerSettings, env: Mapping[str, str] | None = None
) -> ServerConfig:
    """Translate one Claude-Desktop style entry; McpConfigError says what is wrong."""
    server = raw if isinstance(raw, McpServerSettings) else _validated(name, raw, env)
    kind, timeout = server.kind, server.timeout or DEFAULT_TIMEOUT_S
    connection: dict[str, Any]
    if kind == "stdio":
        connection = {
            "transport": "stdio",
            "command": server.command,
            "args": list(server.args),
            "env": dict(server.env),
        }
        if server.cwd:
            connection["cwd"] = str(Path(server.cwd).expanduser())
    else:
        connection = {
            "transport": kind,
            "url": server.url,
            "headers": dict(server.headers),
            "timeout": min(timeout, 30.0),
        }
    return ServerConfig(name, connection, server.approval, timeout)


def _disabled(raw: Mapping[str, Any] | McpServerSettings) -> bool:
    if isinstance(raw, McpServerSettings):
        return raw.disabled
    return not isinstance(raw, Mapping) or bool(raw.get("disabled"))


def _validated(
    name: str, raw: Mapping[str, Any], env: Mapping[str, str] | None
) -> McpServerSettings:
    """A raw entry (not from a settings file, which is checked on load) as a model."""
    from pydantic import ValidationError

    try:
        expanded = expand_vars(dict(raw), os.environ if env is None else env)
        return McpServerSettings.model_validate(expanded)
    except UnsetVariable as unset:
        raise McpConfigError(
            f"MCP server {name!r} uses ${{{unset.name}}}, which is not set. "
            "Set it in your shell or .env, or remove it from the config."
        ) from None
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        problem = str((error.get("ctx") or {}).get("error") or error["msg"])
        if where:
            raise McpConfigError(f"MCP server {name!r}, key {where!r}: {problem}.") from None
        raise McpConfigError(f"MCP server {name!r} needs {problem}.") from None


def tool_name(server: str, tool: str, taken: set[str] | None = None) -> str:
    """`<server>__<tool>` with anything outside [A-Za-z0-9_-] replaced, at most 64 characters."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", f"{server}__{tool}")
    if len(name) > MAX_NAME or (taken is not None and name in taken):
        digest = hashlib.sha1(f"{server}\0{tool}".encode()).hexdigest()[:8]
        name = f"{name[: MAX_NAME - 9]}_{digest}"
    return name


# --- the servers ----------------------------------------------------------------------------


@dataclass
class ServerStatus:
    name: str
    transport: str
    status: str
    error: str | None = None
    tools: list[str] = field(default_factory=list)


class McpManager:
    """Every configured server's connection and tools; one per process (see `open_mcp`)."""

    def __init__(
        self,
        servers: Mapping[str, Mapping[str, Any] | McpServerSettings],
        *,
        log_dir: Path | None = None,
    ) -> None:
        self.configs: dict[str, ServerConfig] = {}
        self.connections: dict[str, McpConnection] = {}
        self._warnings: list[str] = []
        self._warned: set[str] = set()
        self._specs: dict[str, list[ToolSpec]] = {}
        for name, raw in servers.items():
            if _disabled(raw):
                continue
            try:
                config = server_config(name, raw)
            except McpConfigError as exc:
                self._warn(name, str(exc))
                continue
            self.configs[name] = config
            errlog = log_dir / f"mcp-{tool_name(name, 'stderr')}.log" if log_dir else None
            self.connections[name] = McpConnection(
                name, config.connection, timeout_s=config.timeout_s, errlog=errlog
            )

    async def start(self) -> None:
        """Connect every server at once; one that fails is a warning and has no tools."""
        started = await asyncio.gather(*(self._start(name) for name in self.connections))
        taken: set[str] = set()
        for name, ok in zip(self.connections, started, strict=True):
            if ok:  # named in config order, so a clash always resolves the same way
                self._specs[name] = self._make_specs(name, taken)

    async def _start(self, name: str) -> bool:
        try:
            await self.connections[name].connect()
        except ServerUnavailable as exc:
            self._warn(name, f"MCP server {name!r} is unavailable ({exc}); its tools are off.")
            return False
        return True

    async def aclose(self) -> None:
        await asyncio.gather(*(c.close() for c in self.connections.values()))

    def specs(self) -> list[ToolSpec]:
        """The tools of every server that started, in config order."""
        return [spec for name in self.connections for spec in self._specs.get(name, [])]

    def take_warnings(self) -> list[str]:
        """Warnings not yet shown (a failing server is reported once per outage)."""
        taken, self._warnings = self._warnings, []
        return taken

    def status(self) -> list[ServerStatus]:
        return [
            ServerStatus(
                name=name,
                transport=connection.transport,
                status=connection.status,
                error=connection.error,
                tools=[spec.name for spec in self._specs.get(name, [])],
            )
            for name, connection in self.connections.items()
        ]

    async def call(self, server: str, tool: str, arguments: dict[str, Any]) -> str:
        """The tool's result as text; ToolException (for the model) on any failure."""
        from mcp import McpError

        connection = self.connections[server]
        call = current_call()

        async def progress(done: float, total: float | None, message: str | None) -> None:
            # The server's progress notifications, as this call's progress lines.
            of = f"/{total:g}" if total else ""
            call.progress(line=f"{server}/{tool}: {done:g}{of} {message or ''}".rstrip())

        try:
            result = await connection.call_tool(
                tool, arguments, progress if call.streaming else None
            )
        except ServerUnavailable as exc:
            warning = tool_text("mcp", UNAVAILABLE, server=server, error=exc)
            self._warn(server, warning, stream=True)
            raise ToolException(tool_text("mcp", RETRY, warning=warning)) from None
        except McpError as exc:
            refused = tool_text("mcp", REFUSED_CALL, server=server, error=describe(exc))
            raise ToolException(refused) from None
        self._warned.discard(server)
        text = result_text(result)
        if result.isError:
            said = text or tool_text("mcp", NO_DETAILS)
            raise ToolException(tool_text("mcp", TOOL_ERROR, server=server, tool=tool, text=said))
        return text

    def _warn(self, server: str, message: str, *, stream: bool = False) -> None:
        if server in self._warned:
            return
        self._warned.add(server)
        if not (stream and emit_warning(message)):
            self._warnings.append(message)  # not shown in a run: whoever takes warnings shows it

    def _make_specs(self, server: str, taken: set[str]) -> list[ToolSpec]:
        config, specs = self.configs[server], []
        for mcp_tool in self.connections[server].tools:
            name = tool_name(server, mcp_tool.name, taken)
            taken.add(name)
            hints = mcp_tool.annotations
            read_only = bool(hints and hints.readOnlyHint)
            need = config.approval or ("auto" if read_only else "ask")
            tool = self._make_tool(server, mcp_tool, name)
            specs.append(ToolSpec(tool, "mcp", always(need), read_only=read_only))
        return specs

    def _make_tool(self, server: str, mcp_tool: Any, name: str) -> BaseTool:
        async def call(**arguments: Any) -> str:
            return await self.call(server, mcp_tool.name, arguments)

        description = (mcp_tool.description or mcp_tool.title or mcp_tool.name).strip()
        return StructuredTool(
            name=name,
            description=f"[MCP server {server}] {description}"[:4000],
            args_schema=mcp_tool.inputSchema or {"type": "object", "properties": {}},
            coroutine=call,
            handle_tool_error=True,
            metadata={"mcp_server": server, "mcp_tool": mcp_tool.name},
        )


@asynccontextmanager
async def open_mcp(
    servers: Mapping[str, Mapping[str, Any] | McpServerSettings], *, log_dir: Path | None = None
) -> AsyncIterator[McpManager]:
    """Start the servers, yield the manager, and stop them (and their processes) at the end."""
    manager = McpManager(servers, log_dir=log_dir)
    try:
        await manager.start()
        yield manager
    finally:
        await manager.aclose()


def result_text(result: Any) -> str:
    """An MCP CallToolResult as the text the model reads."""
    from mcp import types

    parts: list[str] = []
    for block in result.content:
        if isinstance(block, types.TextContent):
            parts.append(block.text)
        elif isinstance(block, types.EmbeddedResource):
            resource = block.resource
            text = getattr(resource, "text", None)
            binary = text is None
            parts.append(tool_text("mcp", BINARY_RESOURCE, uri=resource.uri) if binary else text)
        elif isinstance(block, types.ResourceLink):
            parts.append(tool_text("mcp", RESOURCE_LINK, name=block.name, uri=block.uri))
        else:
            mime = getattr(block, "mimeType", "?")
            parts.append(tool_text("mcp", CONTENT_OMITTED, type=block.type, mime=mime))
    if not parts and result.structuredContent is not None:
        parts.append(json.dumps(result.structuredContent, ensure_ascii=False, indent=1))
    return "\n".join(parts)


def emit_warning(message: str) -> bool:
    """A non-fatal `error` event (`warning: true`) on the run's stream; False outside a run."""
    call = current_call()
    if not call.streaming:
        return False
    call.emit({"type": "error", "message": message, "kind": "mcp", "warning": True})
    return True


def format_status(statuses: list[ServerStatus]) -> str:
    """The `/mcp` listing: one block per server with its state and tools."""
    if not statuses:
        return 'No MCP servers are configured. Add them under "mcpServers" in your config.'
    lines = []
    for server in statuses:
        line = f"{server.name} ({server.transport}): {server.status}"
        if server.error and server.status != "connected":
            line += f": {server.error}"
        lines.append(line)
        lines.append(f"  tools: {', '.join(server.tools) or '(none)'}")
    return "\n".join(lines)
