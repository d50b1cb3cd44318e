"""Entry points for `langgraph dev` and LangGraph Studio, on the same threads as the CLI.

`langgraph.json` points here: `make_graph` is the graph (compiled without a
checkpointer: the server brings its own) and `create_checkpointer` gives the
server the CLI's SQLite file, so a thread started in one continues in the other.

The server gets the CLI's tools, MCP servers included: their sessions (and the Slack
notifier) are opened on the server's event loop by the first `make_graph` and live as
long as the server; the checkpointer's context is the one the server enters at start
and leaves at shutdown, so leaving it closes them (MCP server processes stop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import configs  # noqa: F401  (offline litellm settings before anything imports it)
from configs.environment import load_dotenv_files, ml_intern_home
from configs.settings import load_settings
from graph.builder import build_graph
from graph.research_agent import with_research
from graph.store import default_db_path, open_checkpointer
from nodes.deps import AgentDeps
from tools.external.family import open_integrations
from tools.families import build_catalog

if TYPE_CHECKING:
    from langgraph.graph.state import CompiledStateGraph

    from configs.settings import Settings
    from graph.message_store import MessageStoreSaver
    from tools.catalog import ToolSpec

log = logging.getLogger("ml_intern.studio")


class ServerGraph:
    """The one graph of this server process, and the integrations it owns."""

    def __init__(self) -> None:
        self.graph: CompiledStateGraph[Any] | None = None
        self.stack = contextlib.AsyncExitStack()
        self.lock = asyncio.Lock()

    async def get(self) -> CompiledStateGraph[Any]:
        async with self.lock:
            if self.graph is None:
                settings = await asyncio.to_thread(_settings)
                mcp = await self.open_integrations(settings)
                self.graph = await asyncio.to_thread(_graph, settings, mcp)
            return self.graph

    async def open_integrations(self, settings: Settings) -> list[ToolSpec]:
        """MCP sessions on this (the server's) loop; a server that fails is logged, not fatal."""
        integrations = await self.stack.enter_async_context(
            open_integrations(settings, home=ml_intern_home())
        )
        for warning in integrations.take_warnings():
            log.warning("ml-intern: %s", warning)
        return integrations.mcp_specs()

    async def aclose(self) -> None:
        await self.stack.aclose()


SERVER = ServerGraph()


async def make_graph(config: Any = None) -> CompiledStateGraph[Any]:
    """The agent graph; the server calls this on every run, so it is built once.

    Building reads files and imports litellm: that runs in a worker thread, since
    the dev server rejects blocking calls on its event loop.
    """
    return await SERVER.get()


def _settings() -> Settings:
    load_dotenv_files()
    return load_settings()


def _graph(settings: Settings, mcp: list[ToolSpec]) -> CompiledStateGraph[Any]:
    home = ml_intern_home()
    # The same toolset as the CLI, MCP servers included.
    catalog = with_research(build_catalog(settings).extended(mcp), settings, home)
    # `ml-intern studio` names the directory it was started in; plain `langgraph dev`: its cwd.
    workspace = Path(os.environ.get("ML_INTERN_WORKSPACE") or Path.cwd())
    deps = AgentDeps(settings=settings, catalog=catalog, home=home, workspace=workspace)
    deps.warm_up()
    return build_graph(deps, checkpointer=None)


@asynccontextmanager
async def create_checkpointer() -> AsyncIterator[MessageStoreSaver]:
    """The CLI's checkpointer on `$ML_INTERN_HOME/threads.sqlite`; at shutdown the MCP
    sessions close with it."""
    async with open_checkpointer(default_db_path()) as saver:
        try:
            yield saver
        finally:
            await SERVER.aclose()
