"""The run's context with every field set: what the caller passed, then settings' defaults.

Nodes get the context LangGraph was given (`runtime.context`, a `RunContext`); a run started
without one (a bare `graph.ainvoke`) gets the defaults. The thread id is LangGraph's own
(`config["configurable"]["thread_id"]`), so a server run that does not repeat it still has it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from configs.run_context import RunContext

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

    from nodes.deps import AgentDeps


def run_context(runtime: Any, config: RunnableConfig | None, deps: AgentDeps) -> RunContext:
    """`runtime.context` completed: workspace, thread id and limits always set."""
    given = getattr(runtime, "context", None)
    context = given if isinstance(given, RunContext) else RunContext.model_validate(given or {})
    thread = ((config or {}).get("configurable") or {}).get("thread_id")
    return context.with_defaults(deps.settings, workspace=deps.workspace, thread_id=thread)
