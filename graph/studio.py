"""Entry points for `langgraph dev` and LangGraph Studio, on the same threads as the CLI.

`langgraph.json` points here: `make_graph` is the graph (compiled without a
checkpointer: the server brings its own) and `create_checkpointer` gives the
server the CLI's SQLite file, so a thread started in one continues in the other.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import configs  # noqa: F401  (offline litellm settings before anything imports it)
from configs.environment import load_dotenv_files, ml_intern_home
from configs.settings import load_settings
from graph.builder import build_graph
from graph.research_agent import with_research
from graph.store import default_db_path, open_checkpointer
from nodes.deps import AgentDeps
from tools.families import build_catalog

if TYPE_CHECKING:
    from langgraph.graph.state import CompiledStateGraph

    from graph.message_store import MessageStoreSaver


async def make_graph(config: Any = None) -> CompiledStateGraph[Any]:
    """The agent graph; the server calls this on every run, so it is built once.

    Building reads files and imports litellm: that runs in a worker thread, since
    the dev server rejects blocking calls on its event loop.
    """
    return await asyncio.to_thread(_graph)


@cache
def _graph() -> CompiledStateGraph[Any]:
    load_dotenv_files()
    settings = load_settings()
    home = ml_intern_home()
    # The same toolset as the CLI, MCP servers aside (their sessions belong to a CLI process).
    catalog = with_research(build_catalog(settings), settings, home)
    # `ml-intern studio` names the directory it was started in; plain `langgraph dev`: its cwd.
    workspace = Path(os.environ.get("ML_INTERN_WORKSPACE") or Path.cwd())
    deps = AgentDeps(settings=settings, catalog=catalog, home=home, workspace=workspace)
    deps.warm_up()
    return build_graph(deps, checkpointer=None)


@asynccontextmanager
async def create_checkpointer() -> AsyncIterator[MessageStoreSaver]:
    """The CLI's checkpointer on `$ML_INTERN_HOME/threads.sqlite`."""
    async with open_checkpointer(default_db_path()) as saver:
        yield saver
