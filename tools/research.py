"""The `research` tool: hand a question to a sub-agent with read-only tools, get its report.

The sub-agent (graph/research_agent.py) is injected as a `ResearchRunner`, since tools do not
import the graph. Its progress reaches the parent's stream as `tool_log` events labelled
`agent: "research"`; its token usage comes back in the result's artifact (`{"usage": ...}`)
so the thread's usage and cost can grow by it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from tools.policy import Mode

AGENT = "research"
Progress = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ResearchRequest:
    task: str
    context: str | None
    mode: Mode
    workspace: Path
    thread_id: str
    tool_call_id: str | None = None


@dataclass
class ResearchResult:
    report: str
    usage: dict[str, Any] = field(default_factory=dict)  # input/output tokens, cost_usd, calls
    iterations: int = 0
    tool_calls: int = 0
    stop_reason: str = "done"


ResearchRunner = Callable[[ResearchRequest, Progress], Awaitable[ResearchResult]]


class ResearchArgs(BaseModel):
    """Delegate a research question to a sub-agent that works in its own context with
    read-only tools (papers, docs, Hub search and details, dataset inspection, GitHub,
    read/glob/grep) and returns a concise report: what it found, its sources, and a
    recommended recipe. Use it for open questions that need many lookups (which model or
    dataset to use, how others train X, what a library expects), so your own context stays
    small. It cannot change anything. Give it a precise task and what you already know."""

    task: str = Field(description="The question to answer, specific and self-contained.")
    context: str | None = Field(
        None, description="What you already know or have ruled out, constraints, the goal."
    )


def progress_emitter(tool_call_id: str | None) -> Progress:
    """Forward the sub-agent's events to the parent's stream, labelled; silent outside a run."""
    try:
        from langgraph.config import get_stream_writer

        writer = get_stream_writer()
    except Exception:
        return lambda _event: None
    # The writer reads the run's config from context variables; the runner may call `emit`
    # from a context of its own (the sub-agent's run), so each call runs in this one.
    context = contextvars.copy_context()
    label = {"tool": "research", "agent": AGENT, "tool_call_id": tool_call_id}

    def emit(event: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):  # progress is best-effort: it never fails research
            context.run(writer, {"type": "tool_log", **event, **label})

    return emit


def make_research_tool(runner: ResearchRunner) -> BaseTool:
    async def research(task: str, config: RunnableConfig, context: str | None = None) -> Any:
        conf = config.get("configurable") or {}
        call_id = conf.get("tool_call_id") or (config.get("metadata") or {}).get("tool_call_id")
        request = ResearchRequest(
            task=task,
            context=context,
            mode="headless" if conf.get("mode") == "headless" else "interactive",
            workspace=Path(conf.get("workspace") or Path.cwd()),
            thread_id=str(conf.get("thread_id", "default")),
            tool_call_id=call_id,
        )
        result = await runner(request, progress_emitter(call_id))
        content = (
            f"Research report ({result.iterations} steps, {result.tool_calls} tool calls, "
            f"stopped: {result.stop_reason}):\n\n{result.report.strip()}"
        )
        artifact = {
            "agent": AGENT,
            "usage": result.usage,
            "iterations": result.iterations,
            "stop_reason": result.stop_reason,
        }
        return content, artifact

    return StructuredTool.from_function(
        coroutine=research,
        name="research",
        description=" ".join((ResearchArgs.__doc__ or "").split()),
        args_schema=ResearchArgs,
        response_format="content_and_artifact",
        handle_tool_error=True,
    )
