"""The research sub-agent: the same graph on a read-only toolset, in a context of its own.

`ResearchAgent` is the runner `tools.research` calls. Each call builds the graph with
`build_graph` on the parent's read-only tools and the research prompt
(configs/prompts/research.md), runs it on the thread's current model in a fresh context (its
own run, not a subgraph of the parent's: no shared checkpoints or stream), and returns the
report and every token it spent.

Approvals: the sub-agent's approval node runs `tools.policy.decide` with the parent's
settings and mode, exactly as the parent would. Where the parent would ask a human, the
sub-agent cannot: such calls are rejected (the sub-agent is told so), so nothing runs unseen.
In headless mode the parent would run them, and so does the sub-agent. Its calls run only with
the record its own approval node wrote in its own thread (nodes/approval_record.py), as the
parent's do; no client reaches its graph (built here per request, on a checkpointer of its own).

Budget (`settings.research`): model calls, tokens and wall time. When one runs out, or the
run fails, one last call without tools turns the transcript into a report marked partial.
Spend is counted from the usage events as they happen, so a call that fails or is cut off
still reports what it spent; the events also reach the parent's stream (labelled), which is
how a cancelled research still adds its spend to the thread (graph/session.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from configs.model_profile import profile_of
from configs.run_context import RunContext
from graph.builder import build_graph
from graph.events import Event, EventTranslator
from models.messages import text_of
from models.usage import Usage, call_usage, sum_usage
from nodes.compact import as_summary_text
from nodes.deps import AgentDeps, ChatModelFactory
from tools.catalog import ToolCatalog
from tools.hub import user_tokens
from tools.research import Progress, ResearchRequest, ResearchResult, research_spec

if TYPE_CHECKING:
    from configs.settings import Settings

NO_HUMAN = (
    "Nobody can approve calls inside the research agent, so calls that need approval do not "
    "run here. Work with what the other tools show, and say in your report what would need "
    "the user's approval."
)
BRIEF = """Research this for the agent that asked; it will act on your report.

Budget: at most {calls} model calls, about {tokens:,} tokens and {minutes:g} minutes in all. \
Stop searching well before that; when it runs out your notes become a partial report.

Task: {task}"""
SUMMARY_SYSTEM = (
    "You write the final report of a research sub-agent from its transcript. The research "
    "ended early ({why}), so this report is partial: say so in its first line, report what "
    "was found with its sources, and list what remains open. Use four sections: ## Findings, "
    "## Recipe (a table: setting | value | source), ## Sources, ## Open questions. "
    "Under 700 words."
)
WHY = {
    "call_budget": "its budget of model calls ran out",
    "token_budget": "its token budget ran out",
    "time_budget": "its time budget ran out",
    "error": "an error stopped it",
    "doom_loop": "it kept repeating the same calls",
    "compact_failed": "its context could not be compacted",
}
TRANSCRIPT_CHARS = 60_000
SUMMARY_TIMEOUT_S = 180.0


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
class Tally:
    """What the sub-agent has spent and done so far, counted from its events."""

    usage: Usage = field(default_factory=dict)  # type: ignore[assignment]
    tool_calls: int = 0

    @property
    def tokens(self) -> int:
        return int(self.usage.get("input_tokens", 0)) + int(self.usage.get("output_tokens", 0))


@dataclass
class ResearchAgent:
    settings: Settings
    parent_catalog: ToolCatalog
    home: Path
    chat_model_factory: ChatModelFactory | None = None

    async def __call__(self, request: ResearchRequest, progress: Progress) -> ResearchResult:
        # A fresh context makes this a run of its own: LangGraph would otherwise treat it as
        # a subgraph of the parent's run (shared checkpointer, stream and interrupts).
        run = self._run(request, progress)
        return await asyncio.create_task(run, context=contextvars.Context())

    async def _run(self, request: ResearchRequest, progress: Progress) -> ResearchResult:
        budget = self.settings.research
        deps = AgentDeps(
            settings=self.settings,
            catalog=research_catalog(self.parent_catalog),
            home=self.home,
            workspace=request.workspace,  # not the default's `Path.cwd()`: on the event loop
            chat_model_factory=self.chat_model_factory,
            role="research",
            editor=request.editor,
        )
        graph = build_graph(deps, InMemorySaver())
        thread = f"research-{uuid.uuid4().hex[:8]}"
        config: dict[str, Any] = {
            # The same person's token on a Space (tools/hub/user_tokens.py); {} elsewhere.
            "configurable": {"thread_id": thread, **user_tokens.carried_identity()},
            "recursion_limit": 10 * budget.max_model_calls + 100,
        }
        context = RunContext(
            workspace=request.workspace,
            mode=request.mode,
            thread_id=thread,
            max_iterations=budget.max_model_calls - 1,  # the last call may be the summary
        )
        model_id = request.model or self.settings.model_name
        first = HumanMessage(content=brief(request, self.settings))
        payload: Any = {"messages": [first], "model": model_id}
        tally = Tally()
        stop, failure = "done", ""
        try:
            async with asyncio.timeout(budget.max_wall_s):
                stop = await self._drive(graph, payload, config, context, tally, progress)
        except TimeoutError:
            stop = "time_budget"
        except Exception as exc:  # the parent's turn goes on: the report says what happened
            stop, failure = "error", f"{type(exc).__name__}: {exc}"
            progress({"line": f"error: {failure}"[:200]})
        values = dict((await graph.aget_state(config)).values or {})
        messages = values.get("messages") or []
        report = final_report(messages) if stop == "done" else ""
        if not report:
            stop = "error" if stop == "done" else stop
            progress({"line": f"writing the report ({stop})"})
            report = await self._summarise(deps, request, model_id, messages, stop, tally, progress)
            if failure:
                report = f"(The research failed: {failure})\n\n{report}"
        iterations = int(tally.usage.get("calls", 0))
        fired = dict(values.get("rules_fired") or {})
        return ResearchResult(report, dict(tally.usage), iterations, tally.tool_calls, stop, fired)

    async def _drive(
        self,
        graph: Any,
        payload: Any,
        config: dict[str, Any],
        context: RunContext,
        tally: Tally,
        progress: Progress,
    ) -> str:
        """Run the sub-agent until it ends or its token budget runs out; why it stopped."""
        translator = EventTranslator(context.thread_id or "research", self.parent_catalog)
        max_tokens = self.settings.research.max_tokens
        while True:  # one pass per approval request; each is answered with a rejection
            stream = graph.astream(
                payload, config, context=context, stream_mode=["updates", "custom"]
            )
            async with contextlib.aclosing(stream):
                async for mode, chunk in stream:
                    for event in translator.translate(mode, chunk):
                        report_progress(event, progress, tally)
                    if tally.tokens >= max_tokens:
                        return "token_budget"
            snapshot = await graph.aget_state(config)
            if not snapshot.interrupts:
                stop = (snapshot.values or {}).get("stop_reason") or "done"
                return "call_budget" if stop == "max_iterations" else stop
            asked = (snapshot.interrupts[0].value or {}).get("action_requests") or [{}]
            payload = Command(
                resume={"decisions": [{"type": "reject", "message": NO_HUMAN}] * len(asked)}
            )

    async def _summarise(
        self,
        deps: AgentDeps,
        request: ResearchRequest,
        model_id: str,
        messages: Sequence[AnyMessage],
        stop: str,
        tally: Tally,
        progress: Progress,
    ) -> str:
        """One call without tools that turns the transcript into a partial report."""
        why = WHY.get(stop, stop)
        prompt = [
            SystemMessage(content=SUMMARY_SYSTEM.format(why=why)),
            HumanMessage(content=f"Task: {request.task}\n\n{transcript(messages)}"),
        ]
        try:
            async with asyncio.timeout(SUMMARY_TIMEOUT_S):
                model = await deps.achat_model(model_id, with_tools=False)
                response = await model.ainvoke(prompt)
        except Exception as exc:
            notes = [text_of(m.content) for m in messages if isinstance(m, AIMessage)]
            found = "\n".join(n for n in notes if n.strip())[-3000:] or "(none)"
            return (
                f"PARTIAL: the research ended early ({why}) and the report could not be "
                f"written ({type(exc).__name__}). Notes so far:\n{found}"
            )
        spent = call_usage(profile_of(model_id, deps.settings), prompt, response)
        tally.usage = sum_usage(tally.usage, spent)
        progress({"type": "usage", "model": model_id, **spent})
        return text_of(response.content).strip()


def brief(request: ResearchRequest, settings: Settings) -> str:
    budget = settings.research
    text = BRIEF.format(
        calls=budget.max_model_calls,
        tokens=budget.max_tokens,
        minutes=round(budget.max_wall_s / 60, 1),
        task=request.task.strip(),
    )
    if request.context:
        text += f"\n\nContext from the agent that asked:\n{request.context.strip()}"
    return text


def final_report(messages: Sequence[AnyMessage]) -> str:
    last = messages[-1] if messages else None
    if isinstance(last, AIMessage) and not last.tool_calls:
        return text_of(last.content).strip()
    return ""


def report_progress(event: Event, progress: Progress, tally: Tally) -> None:
    """One sub-agent event as a progress line (or a labelled usage event) for the parent."""
    data = event.data
    if event.type == "tool_call":
        tally.tool_calls += 1
        args = ", ".join(f"{k}={str(v)[:60]!r}" for k, v in (data.get("args") or {}).items())
        progress({"line": f"→ {data.get('name')}({args})"[:200]})
    elif event.type == "tool_output":
        first = next((ln for ln in str(data.get("output", "")).splitlines() if ln.strip()), "")
        mark = "✗" if data.get("is_error") else "←"
        progress({"line": f"{mark} {data.get('name')}: {first[:120]}"})
    elif event.type == "usage":
        tally.usage = sum_usage(tally.usage, data)
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
