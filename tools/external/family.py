"""The tools that reach outside the machine and the Hub: GitHub, Slack, MCP servers.

For `tools.registry.build_catalog` (synchronous, no processes)::

    specs = external_specs(settings)            # github_* always, notify when configured

For the process (the REPL or a headless run), which owns the MCP sessions and the notifier::

    async with open_integrations(settings, home=home) as integrations:
        catalog = extend_catalog(build_catalog(settings), integrations.mcp_specs())
        for warning in integrations.take_warnings(): ...   # show each once
        events = integrations.notifier.watch(session.send(text))
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.policy import always
from tools.registry import ToolCatalog, ToolSpec

if TYPE_CHECKING:
    from configs.settings import Settings
    from tools.external.mcp import McpManager, ServerStatus
    from tools.external.notify import SlackNotifier


def extend_catalog(catalog: ToolCatalog, specs: Iterable[ToolSpec]) -> ToolCatalog:
    """A new catalog: `catalog`'s tools, then those of `specs` it does not have yet."""
    current = [spec for name in catalog.names if (spec := catalog.get(name)) is not None]
    return ToolCatalog([*current, *(s for s in specs if catalog.get(s.name) is None)])


def github_tool_specs() -> list[ToolSpec]:
    from tools.external.github import make_github_tools

    return [ToolSpec(tool, always("auto")) for tool in make_github_tools()]


def notify_tool_specs(settings: Settings, env: Any = None) -> list[ToolSpec]:
    """The `notify` tool, when some Slack destination lets the agent post."""
    from tools.external.notify import make_notify_tool, messaging_config

    config = messaging_config(settings.messaging, env)
    if not config.tool_destinations():
        return []
    return [ToolSpec(make_notify_tool(config), always("auto"))]


def external_specs(settings: Settings) -> list[ToolSpec]:
    """The synchronous part: github_search_code, github_read_file, github_list_repos, notify."""
    return [*github_tool_specs(), *notify_tool_specs(settings)]


@dataclass
class Integrations:
    """What lives as long as the process: MCP sessions and the Slack notifier."""

    mcp: McpManager | None
    notifier: SlackNotifier

    def mcp_specs(self) -> list[ToolSpec]:
        return self.mcp.specs() if self.mcp is not None else []

    def mcp_status(self) -> list[ServerStatus]:
        return self.mcp.status() if self.mcp is not None else []

    def take_warnings(self) -> list[str]:
        return self.mcp.take_warnings() if self.mcp is not None else []


@asynccontextmanager
async def open_integrations(settings: Settings, *, home: Path) -> AsyncIterator[Integrations]:
    """Start the MCP servers and the notifier; stop both (delivering queued posts) at exit."""
    from tools.external.notify import SlackNotifier, messaging_config

    notifier = SlackNotifier(messaging_config(settings.messaging))
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(notifier.aclose)
        mcp = None
        if settings.mcpServers:
            from tools.external.mcp import open_mcp

            mcp = await stack.enter_async_context(
                open_mcp(settings.mcpServers, log_dir=home / "logs")
            )
        yield Integrations(mcp, notifier)
