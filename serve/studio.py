"""Entry points for `langgraph dev` and LangGraph Studio, on the same threads as the CLI.

`langgraph.json` points here: `make_graph` is the graph (compiled without a
checkpointer: the server brings its own) and `create_checkpointer` gives the
server the CLI's SQLite file, so a thread started in one continues in the other.

The server gets the CLI's tools, MCP servers included: their sessions (and the Slack
notifier) are opened on the server's event loop by the first `make_graph` and live as
long as the server; the checkpointer's context is the one the server enters at start
and leaves at shutdown, so leaving it closes them (MCP server processes stop, and the
tools' Python kernels end with their runtime folders).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import configs  # noqa: F401  (offline litellm settings before anything imports it)
from compat.langgraph import install_context_schema_once as context_schema_once
from compat.langgraph_runtime_inmem import install as wake_runs_at_once
from configs.environment import load_dotenv_files, ml_intern_home
from graph.builder import build_graph
from graph.experiments import with_ledger
from graph.research_agent import with_research
from nodes.deps import AgentDeps
from serve.parent_watch import watch_parent
from serve.server_settings import server_settings
from serve.server_walls import UNWALLED, walled_catalog, walls_problem
from store.checkpointer import default_db_path, open_checkpointer
from store.thread_index import ThreadIndex
from store.workspace_journal import open_journal
from tools.external.family import open_integrations
from tools.families import build_catalog
from tools.hub import user_tokens
from tools.secrets.rules import load_soon

if TYPE_CHECKING:
    from langgraph.graph.state import CompiledStateGraph

    from configs.settings import Settings
    from store.message_store import MessageStoreSaver
    from tools.catalog import ToolCatalog, ToolSpec

log = logging.getLogger("ml_intern.studio")


class ServerGraph:
    """The one graph of this server process, and the integrations it owns."""

    def __init__(self) -> None:
        self.graph: CompiledStateGraph[Any] | None = None
        self.deps: AgentDeps | None = None
        self.saver: MessageStoreSaver | None = None  # the server's, from create_checkpointer
        self.stack = contextlib.AsyncExitStack()
        self.lock = asyncio.Lock()

    async def get(self) -> CompiledStateGraph[Any]:
        async with self.lock:
            if self.graph is None:
                settings = await asyncio.to_thread(_settings)
                mcp = await self.open_integrations(settings)
                self.deps = await asyncio.to_thread(_deps, settings, mcp)
                # As a CLI session does: the kernels its tools keep end with the server.
                self.stack.push_async_callback(self.deps.catalog.aclose)
                self.graph = await asyncio.to_thread(build_graph, self.deps, None)
            return self.graph

    async def with_checkpointer(self) -> CompiledStateGraph[Any]:
        """The graph on the server's own checkpointer: for reading and writing a thread's
        state in this process (serve/web_settings.py), as the server's runs do."""
        graph = await self.get()
        if self.saver is None:
            raise RuntimeError("the server has not opened its checkpointer yet")
        return graph.copy(update={"checkpointer": self.saver})

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
    graph = await SERVER.get()
    await record_workspace(config)
    return graph


async def record_workspace(config: Any) -> None:
    """A run's thread gets the served directory as its workspace in the CLI's thread index
    (once: a thread keeps the directory it started in), so `ml-intern threads list` and `-c`
    there show web and Studio threads. Not where people sign in (their threads are theirs)."""
    configurable = (config or {}).get("configurable") or {}
    thread_id = configurable.get("thread_id")
    if not configurable.get("__is_for_execution__") or not thread_id:
        return
    if user_tokens.people_sign_in():
        return
    await asyncio.to_thread(touch_workspace, str(thread_id))


def touch_workspace(thread_id: str) -> None:
    """Blocking: the thread's index row names the served directory (if it names none yet)."""
    workspace = str(Path(os.environ.get("ML_INTERN_WORKSPACE") or Path.cwd()).resolve())
    with ThreadIndex(default_db_path()) as index:
        index.touch(thread_id, cwd=workspace)


def _settings() -> Settings:
    load_dotenv_files()
    return server_settings()


def _deps(settings: Settings, mcp: list[ToolSpec]) -> AgentDeps:
    """Blocking (files, litellm's import): what the graph runs on."""
    home = ml_intern_home()
    # `ml-intern studio` names the directory it was started in; plain `langgraph dev`: its cwd.
    workspace = Path(os.environ.get("ML_INTERN_WORKSPACE") or Path.cwd())
    # The same toolset as the CLI, MCP servers included; code runs only inside the walls.
    catalog = walled_here(build_catalog(settings), settings, workspace)
    catalog = with_research(catalog.extended(mcp), settings, home)
    catalog = with_ledger(catalog, home)  # hf_jobs runs recorded, `experiments` tool
    # A run that does not say where it comes from is Studio's (the page says "web").
    deps = AgentDeps(
        settings=settings,
        catalog=catalog,
        home=home,
        workspace=workspace,
        front_end="studio",
        workspace_recorder=open_journal(settings.undo, home, default_db_path()),
    )
    load_soon()  # the secret rules compile in a thread while the rest warms up
    deps.warm_up()
    return deps


def walled_here(catalog: ToolCatalog, settings: Settings, workspace: Path) -> ToolCatalog:
    """`catalog` as this server may offer it (serve/server_walls.py); when its code cannot be
    walled, its log says so."""
    problem = walls_problem(settings, workspace)
    if problem is not None:
        names = f" ({', '.join(spec.name for spec in catalog if spec.runs_code)})"
        log.warning("ml-intern: %s", UNWALLED.format(names=names, problem=problem))
    return walled_catalog(catalog, problem)


def context_schema_built_once() -> None:
    """Both servers ask the graph for its run context's schema on every run they start: built
    once per process instead (compat/langgraph.py); said in the log when it cannot be."""
    if not context_schema_once():
        log.warning("ml-intern: the run context's schema is built again for every run")


async def build_now() -> None:
    """Build the graph at server start; a failure is logged here and raised again by the
    first run (which tries once more), so a server with a bad config still starts."""
    started = time.monotonic()
    try:
        await SERVER.get()
    except Exception as error:  # any: the first run reports it again
        log.warning("ml-intern: the graph could not be built at start: %s", error)
        return
    log.info("ml-intern: graph built in %.2f s", time.monotonic() - started)
    settle_heap()


# A young collection every 20,000 allocations, not 700: a run's step allocates tens of
# thousands of short-lived objects (chunks, events, checkpoint rows); the cost is ~10 MB more
# held per server.
# Why: Python's defaults cost ~10% of a loaded server's CPU (docs/lab/2026-11-25.md, Eighth pass).
GC_THRESHOLDS = (20_000, 20, 10)


def settle_heap() -> None:
    """What the server built to start (~1.5 million objects: the runtime's modules, the graph)
    lives as long as the server, yet every full collection walked it: ~0.2 s of CPU each, with
    the event loop stopped, several times a minute under load. Collected once, then frozen out
    of the collector's walks; later collections are spaced for a server's allocation rate."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@asynccontextmanager
async def create_checkpointer() -> AsyncIterator[MessageStoreSaver]:
    """The CLI's checkpointer on `$ML_INTERN_HOME/threads.sqlite`; the server enters this at
    start, so the graph is built here too (the first run does not wait seconds for it); at
    shutdown the MCP sessions close with it."""
    async with open_checkpointer(default_db_path()) as saver:
        SERVER.saver = saver
        if not wake_runs_at_once():
            log.warning("ml-intern: new runs start on the dev queue's next look (up to 1 s)")
        context_schema_built_once()
        watch = asyncio.create_task(watch_parent(), name="ml-intern-parent-watch")
        try:
            await build_now()
            yield saver
        finally:
            watch.cancel()
            SERVER.saver = None
            await SERVER.aclose()
