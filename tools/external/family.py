"""The tools that reach outside the machine and the Hub: GitHub, the web, Slack, MCP servers.

For `tools.families.build_catalog` (synchronous, no processes)::

    specs = external_specs(settings)            # github_* always, notify when configured

For the process (the REPL or a headless run), which owns the MCP sessions and the notifier::

    async with open_integrations(settings, home=home) as integrations:
        catalog = build_catalog(settings).extended(integrations.mcp_specs())
        for warning in integrations.take_warnings(): ...   # show each once
        events = integrations.notifier.watch(session.send(text))
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.catalog import ToolSpec
from tools.external.github_find_examples import find_examples_spec
from tools.external.github_list_repos import list_repos_spec
from tools.external.github_read_file import read_file_spec
from tools.external.github_search_code import search_code_spec
from tools.external.notify import messaging_config
from tools.external.notify_tool import notify_spec
from tools.external.web_fetch import web_fetch_spec
from tools.external.web_search import web_search_spec

if TYPE_CHECKING:
    from configs.settings import Settings
    from tools.external.mcp import McpManager, ServerStatus
    from tools.external.notify import SlackNotifier


def github_specs() -> list[ToolSpec]:
    return [search_code_spec(), read_file_spec(), list_repos_spec(), find_examples_spec()]


def notify_specs(settings: Settings, env: Any = None) -> list[ToolSpec]:
    """The `notify` tool, when some Slack destination lets the agent post."""
    config = messaging_config(settings.messaging, env)
    return [notify_spec(config)] if config.tool_destinations() else []


def web_specs(settings: Settings) -> list[ToolSpec]:
    return [web_search_spec(settings.web), web_fetch_spec(settings.web)]


def external_specs(settings: Settings) -> list[ToolSpec]:
    """The synchronous part: the github_* tools, web_search and web_fetch, notify."""
    return [*github_specs(), *web_specs(settings), *notify_specs(settings)]


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
    from tools.external.notify import SlackNotifier

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
