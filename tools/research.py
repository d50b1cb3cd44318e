"""The `research` tool: hand a question to a sub-agent with read-only tools, get its report.

The sub-agent (graph/research_agent.py) is injected as a `ResearchRunner`, since tools do not
import the graph. Its progress reaches the parent's stream as `tool_log` events labelled
`agent: "research"`; its token usage comes back in the result's artifact (`{"usage": ...}`)
so the thread's usage and cost can grow by it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from configs.run_context import Mode
from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.editor_files import EditorFiles
from tools.policy import always
from tools.tool_factory import make_tool

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
    # The thread's current model (its `/model` choice); None: the configured default.
    model: str | None = None
    # The editor serving the parent's file tools, if any: the sub-agent reads the same text.
    editor: EditorFiles | None = None


@dataclass
class ResearchResult:
    report: str
    usage: dict[str, Any] = field(default_factory=dict)  # input/output tokens, cost_usd, calls
    iterations: int = 0
    tool_calls: int = 0
    stop_reason: str = "done"
    # The rules for weaker models that fired in the sub-agent's steps, `{rule: steps}`.
    rules_fired: dict[str, int] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        """True when a budget, an error or a cancel ended the research before its report."""
        return self.stop_reason != "done"


ResearchRunner = Callable[[ResearchRequest, Progress], Awaitable[ResearchResult]]


class ResearchArgs(BaseModel):
    """Delegate a research question to a sub-agent that works in its own context with
    read-only tools (papers and their citation graph, docs, Hub search and details, dataset
    inspection, GitHub examples, web search, read/glob/grep) and returns a concise report:
    findings, a recipe table with sources, open questions. Use it for questions that need
    many lookups (which model or dataset to use, how others train X, what a library
    expects), so your own context stays small. It cannot change anything. Give it a precise task and what you already know; ask it
    for current argument names and a working example when the answer feeds a training script."""

    task: str = Field(description="The question to answer, specific and self-contained.")
    context: str | None = Field(
        None, description="What you already know or have ruled out, constraints, the goal."
    )


def progress_emitter(call: CallContext) -> Progress:
    """Forward the sub-agent's events to the parent's stream, labelled as this call's."""
    # The runner may call `emit` from a context of its own (the sub-agent's run): each
    # event is written from the context this call runs in.
    context = contextvars.copy_context()
    label = {"tool": "research", "agent": AGENT, "tool_call_id": call.tool_call_id}

    def emit(event: dict[str, Any]) -> None:
        context.run(call.emit, {"type": "tool_log", **event, **label})

    return emit


def research_spec(runner: ResearchRunner) -> ToolSpec:
    async def research(call: CallContext, task: str, context: str | None = None) -> Any:
        request = ResearchRequest(
            task=task,
            context=context,
            mode=call.run.mode,
            workspace=call.workspace,
            thread_id=call.thread_id,
            tool_call_id=call.tool_call_id,
            model=call.model,
            editor=call.editor,
        )
        result = await runner(request, progress_emitter(call))
        kind = "PARTIAL research report" if result.partial else "Research report"
        content = (
            f"{kind} ({result.iterations} steps, {result.tool_calls} tool calls, "
            f"stopped: {result.stop_reason}):\n\n{result.report.strip()}"
        )
        artifact = {
            "agent": AGENT,
            "usage": result.usage,
            "iterations": result.iterations,
            "stop_reason": result.stop_reason,
            "rules_fired": result.rules_fired,
        }
        return content, artifact

    return ToolSpec(
        tool=make_tool("research", ResearchArgs, research, artifact=True),
        family="research",
        kind="think",
        approval=always("auto"),
        # It changes nothing; the sub-agent's own tools pass the same policy.
        read_only=True,
        summary="task",
        own_deadline=True,  # its budget (calls, tokens, wall time) ends it, with a report
    )
