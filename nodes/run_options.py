"""The run's context with every field set: what the caller passed, then settings' defaults.

Nodes get the context LangGraph was given (`runtime.context`, a `RunContext`); a run started
without one (a bare `graph.ainvoke`) gets the defaults. The thread id is LangGraph's own
(`config["configurable"]["thread_id"]`), so a server run that does not repeat it still has it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from configs.run_context import RunContext
from tools.call_context import person_workspace
from tools.hub import user_tokens

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

    from nodes.deps import AgentDeps


def run_context(runtime: Any, config: RunnableConfig | None, deps: AgentDeps) -> RunContext:
    """`runtime.context` completed: workspace, thread id and limits always set."""
    given = getattr(runtime, "context", None)
    context = given if isinstance(given, RunContext) else RunContext.model_validate(given or {})
    configurable = (config or {}).get("configurable") or {}
    thread = configurable.get("thread_id")
    context = context.with_defaults(
        deps.settings, workspace=deps.workspace, thread_id=thread, front_end=deps.front_end
    )
    if not user_tokens.people_sign_in():
        return context
    # Where people sign in, each works in their own folder whatever the client asked for; the
    # prompt must name the folder the tools use (tools/call_context.py).
    own = person_workspace(user_tokens.identity_in(configurable))
    return context.model_copy(update={"workspace": own})
