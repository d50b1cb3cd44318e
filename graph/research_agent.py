"""The research sub-agent: the same graph on a read-only toolset, in a context of its own.

`ResearchAgent` is the runner `tools.research` calls. Each call builds the graph with
`build_graph` on the parent's read-only tools, runs it to the end in a fresh context (its own
run, not a subgraph of the parent's: no shared checkpoints or stream), and returns the
report and the tokens it spent.

Approvals: the sub-agent's approval node runs `tools.policy.decide` with the parent's
settings and mode, exactly as the parent would. Where the parent would ask a human, the
sub-agent cannot: such calls are rejected (the sub-agent is told so), so nothing runs unseen.
In headless mode the parent would run them, and so does the sub-agent.

Budget: at most 60 model calls. The graph compacts its own context as usual; when the
budget runs out (or the run ends without a report) one last call without tools turns the
transcript into the report.
"""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from configs.run_context import RunContext
from graph.builder import build_graph
from graph.events import Event, EventTranslator, text_of
from nodes.compact import as_summary_text
from nodes.deps import AgentDeps, ChatModelFactory
from nodes.usage import call_usage, sum_usage
from tools.catalog import ToolCatalog
from tools.research import Progress, ResearchRequest, ResearchResult, research_spec

if TYPE_CHECKING:
    from configs.settings import Settings

MAX_ITERATIONS = 60
NO_HUMAN = (
    "Nobody can approve calls inside the research agent, so calls that need approval do not "
    "run here. Work with what the other tools show, and say in your report what would need "
    "the user's approval."
)
BRIEF = """You are a research sub-agent working for another agent, which will act on your report.
Research the task below with your read-only tools; you cannot change anything. You have at most
{budget} model calls: stop searching well before that.

Finish with a reply without tool calls: a concise report (under 600 words) with three parts:
## Findings: what you found, with numbers where they matter.
## Sources: the URLs, repo ids, paper ids and file paths you relied on.
## Recommended recipe: concrete steps, models, datasets and settings to use.

Task: {task}"""
SUMMARY_SYSTEM = (
    "You write the final report of a research sub-agent from its transcript. Its budget ran "
    "out, so report what it found so far; say what remains open. Use three sections: "
    "## Findings, ## Sources, ## Recommended recipe. Under 600 words."
)
TRANSCRIPT_CHARS = 60_000


def research_catalog(parent: ToolCatalog) -> ToolCatalog:
    """The parent's read-only tools (never `research` itself), with their approval rules."""
    return parent.only(lambda spec: spec.read_only and spec.family != "research")


def with_research(
    catalog: ToolCatalog,
    settings: Settings,
    home: Path,
    chat_model_factory: ChatModelFactory | None = None,
) -> ToolCatalog:
    """`catalog` plus the `research` tool, whose sub-agent uses `catalog`'s read-only tools."""
    agent = ResearchAgent(settings, catalog, home, chat_model_factory)
    return catalog.extended([research_spec(agent)])


@dataclass
class ResearchAgent:
    settings: Settings
    parent_catalog: ToolCatalog
    home: Path
    chat_model_factory: ChatModelFactory | None = None
    max_iterations: int = MAX_ITERATIONS

    async def __call__(self, request: ResearchRequest, progress: Progress) -> ResearchResult:
        # A fresh context makes this a run of its own: LangGraph would otherwise treat it as
        # a subgraph of the parent's run (shared checkpointer, stream and interrupts).
        run = self._run(request, progress)
        return await asyncio.create_task(run, context=contextvars.Context())

    async def _run(self, request: ResearchRequest, progress: Progress) -> ResearchResult:
        deps = AgentDeps(
            settings=self.settings,
            catalog=research_catalog(self.parent_catalog),
            home=self.home,
            chat_model_factory=self.chat_model_factory,
        )
        graph = build_graph(deps, InMemorySaver())
        thread = f"research-{uuid.uuid4().hex[:8]}"
        config: dict[str, Any] = {
            "configurable": {"thread_id": thread},
            "recursion_limit": 10 * self.max_iterations + 100,
        }
        context = RunContext(
            workspace=request.workspace,
            mode=request.mode,
            thread_id=thread,
            max_iterations=self.max_iterations - 1,  # the last call may be the summary
        )
        translator = EventTranslator(thread, deps.catalog)
        payload: Any = {"messages": [HumanMessage(content=brief(request, self.max_iterations))]}
        counts = {"tool_calls": 0}
        while True:  # one pass per approval request; each is answered with a rejection
            async for mode, chunk in graph.astream(
                payload, config, context=context, stream_mode=["updates", "custom"]
            ):
                for event in translator.translate(mode, chunk):
                    report_progress(event, progress, counts)
            snapshot = await graph.aget_state(config)
            if not snapshot.interrupts:
                break
            asked = (snapshot.interrupts[0].value or {}).get("action_requests") or [{}]
            payload = Command(
                resume={"decisions": [{"type": "reject", "message": NO_HUMAN}] * len(asked)}
            )
        values = dict(snapshot.values or {})
        usage = dict(values.get("usage") or {})
        stop = values.get("stop_reason") or "done"
        iterations = int((values.get("turn") or {}).get("iterations", 0))
        report = final_report(values.get("messages") or [])
        if stop != "done" or not report:
            progress({"line": f"writing the report ({stop})"})
            report, spent = await self._summarise(deps, request, values)
            if spent is not None:
                usage = dict(sum_usage(usage, spent))
                iterations += 1
                progress({"type": "usage", **spent})
        return ResearchResult(report, usage, iterations, counts["tool_calls"], stop)

    async def _summarise(
        self, deps: AgentDeps, request: ResearchRequest, values: dict[str, Any]
    ) -> tuple[str, dict[str, Any] | None]:
        """One call without tools that turns the transcript into the report."""
        model_id = values.get("model") or self.settings.model_name
        messages = values.get("messages") or []
        prompt = [
            SystemMessage(content=SUMMARY_SYSTEM),
            HumanMessage(content=f"Task: {request.task}\n\n{transcript(messages)}"),
        ]
        try:
            response = await deps.chat_model(model_id, with_tools=False).ainvoke(prompt)
        except Exception as exc:
            notes = [text_of(m.content) for m in messages if isinstance(m, AIMessage)]
            found = "\n".join(n for n in notes if n.strip())[-3000:]
            return (
                f"The research stopped before a report ({type(exc).__name__}). Notes:\n{found}",
                None,
            )
        return text_of(response.content).strip(), call_usage(model_id, prompt, response)


def brief(request: ResearchRequest, budget: int) -> str:
    text = BRIEF.format(budget=budget, task=request.task.strip())
    if request.context:
        text += f"\n\nContext from the agent that asked:\n{request.context.strip()}"
    return text


def final_report(messages: Sequence[AnyMessage]) -> str:
    last = messages[-1] if messages else None
    if isinstance(last, AIMessage) and not last.tool_calls:
        return text_of(last.content).strip()
    return ""


def report_progress(event: Event, progress: Progress, counts: dict[str, int]) -> None:
    """One sub-agent event as a progress line (or a labelled usage event) for the parent."""
    data = event.data
    if event.type == "tool_call":
        counts["tool_calls"] += 1
        args = ", ".join(f"{k}={str(v)[:60]!r}" for k, v in (data.get("args") or {}).items())
        progress({"line": f"→ {data.get('name')}({args})"[:200]})
    elif event.type == "tool_output":
        first = next((ln for ln in str(data.get("output", "")).splitlines() if ln.strip()), "")
        mark = "✗" if data.get("is_error") else "←"
        progress({"line": f"{mark} {data.get('name')}: {first[:120]}"})
    elif event.type == "usage":
        progress({**data, "type": "usage"})
    elif event.type == "tool_log":
        progress({"line": f"{data.get('tool')}: {data.get('line', '')}"[:200]})
    elif event.type == "compacted":
        progress({"line": "compacted its context"})
    elif event.type == "error" and data.get("message"):
        progress({"line": f"error: {data['message']}"[:200]})


def transcript(messages: Sequence[AnyMessage]) -> str:
    """The sub-agent's history as text for the summary call, keeping the most recent part."""
    parts = [as_summary_text(message) for message in messages]
    joined = "\n\n".join(parts)
    return joined if len(joined) <= TRANSCRIPT_CHARS else "[...]\n" + joined[-TRANSCRIPT_CHARS:]
