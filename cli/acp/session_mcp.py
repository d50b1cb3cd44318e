"""MCP servers an editor passes in `session/new` / `session/load`: started for that session
only, their tools added to its catalog exactly as configured servers' are
(tools/external/mcp.py: `<server>__<tool>`, read-only tools free, the others ask).

A server that cannot be used (a missing command, a refused connection, an ACP-transport
server) is a sentence for the editor, and the session opens without its tools.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tools.external.mcp import McpManager, open_mcp

EDITOR_PREFIX = "editor-"  # for a server whose name a configured one already has


def editor_servers(
    servers: Sequence[Any], taken: Collection[str], workspace: Path
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The editor's servers as config entries (stdio ones run in the workspace), and
    warnings for those that cannot be used."""
    entries: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    for server in servers or ():
        name = str(server.name)
        if name in taken or name in entries:
            name = EDITOR_PREFIX + name
        kind = getattr(server, "type", None) or "stdio"
        if kind == "stdio":
            env = {variable.name: variable.value for variable in server.env}
            entries[name] = {
                "command": server.command, "args": list(server.args), "env": env,
                "cwd": str(workspace),
            }  # fmt: skip
        elif kind in ("http", "sse"):
            headers = {header.name: header.value for header in server.headers}
            entries[name] = {"transport": kind, "url": server.url, "headers": headers}
        else:
            warnings.append(
                f"MCP server {name!r} uses the {kind} transport, which this agent does not "
                "support; its tools are off. Pass it as a stdio or http server."
            )
    return entries, warnings


@asynccontextmanager
async def session_mcp(
    servers: Sequence[Any], taken: Collection[str], workspace: Path, log_dir: Path
) -> AsyncIterator[tuple[McpManager | None, list[str]]]:
    """The editor's servers running for a session (None without any), and the warnings."""
    entries, warnings = editor_servers(servers, taken, workspace)
    if not entries:
        yield None, warnings
        return
    async with open_mcp(entries, log_dir=log_dir) as manager:
        yield manager, [*warnings, *manager.take_warnings()]
