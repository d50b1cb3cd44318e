"""The research sub-agent's own budget, model and accounting, through the real graph.

Calls, tokens and wall time each end the research with a partial report; its spend joins the
thread's usage on success, failure and cancel; it is not cut by the generic tool timeout; it
works with the thread's current model; two research calls in one step run at once.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results
from tools.research import ResearchRequest

REPORT = "## Findings\nlr=3e-4 (notes.md:1)\n## Recipe\n| lr | 3e-4 | notes.md |"
PARTIAL = "PARTIAL: found lr=3e-4 so far."


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


def has_tool(request: dict[str, Any], name: str) -> bool:
    return any(t["function"]["name"] == name for t in request.get("tools") or [])


def research_settings(llm: ScriptedLLMServer, **research: Any) -> Any:
    return fast_settings(llm.url, research={"max_model_calls": 40, **research})


def parent_catalog(settings: Any) -> Any:
    from configs.environment import ml_intern_home
    from graph.research_agent import with_research
    from tools.families import build_catalog

    return with_research(build_catalog(settings), settings, ml_intern_home())


def agent_for(settings: Any, home: Path) -> Any:
    from graph.research_agent import ResearchAgent

    return ResearchAgent(settings, parent_catalog(settings), home)


def request(workspace: Path, task: str = "Which lr?", model: str | None = None) -> Any:
    return ResearchRequest(task, None, "interactive", workspace, "thread", model=model)


async def test_the_call_budget_ends_it_with_a_partial_report(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("glob", "a", pattern="*.py")]),
        Turn(tool_calls=[call("glob", "b", pattern="*.md")]),
        Turn(content=PARTIAL),
    )
    agent = agent_for(research_settings(llm, max_model_calls=3), tmp_path / "home")
    lines: list[str] = []
    result = await agent(request(workspace), lambda event: lines.append(event.get("line", "")))
    summary = llm.requests[-1]
    assert len(llm.requests) == 3 and "tools" not in summary  # two steps, then the summary
    assert "model calls ran out" in summary["messages"][0]["content"]
    assert "glob" in summary["messages"][-1]["content"]  # it sees the transcript
    assert result.report == PARTIAL and result.partial and result.stop_reason == "call_budget"
    assert result.usage["calls"] == 3 and result.iterations == 3
    assert "writing the report (call_budget)" in lines


async def test_the_token_budget_ends_it_and_every_token_is_counted(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    big = {"prompt_tokens": 9_000, "completion_tokens": 1_500, "total_tokens": 10_500}
    llm.add(
        Turn(tool_calls=[call("glob", "a", pattern="*")], usage=big),
        Turn(content=PARTIAL, usage={"prompt_tokens": 700, "completion_tokens": 50}),
    )
    agent = agent_for(research_settings(llm, max_tokens=10_000), tmp_path / "home")
    result = await agent(request(workspace), lambda _event: None)
    assert result.stop_reason == "token_budget" and result.report == PARTIAL
    assert len(llm.requests) == 2 and "tools" not in llm.requests[1]
    assert result.usage["input_tokens"] == 9_700 and result.usage["output_tokens"] == 1_550


async def test_its_wall_time_not_the_tool_timeout_ends_it(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    """tool_timeout_s is 0.3 s, the research runs ~1.5 s and comes back with a report. (Its
    first step answers at once: a loaded machine's start-up must not eat the budget.)"""
    llm.add(
        Turn(tool_calls=[call("research", "r1", task="Which lr?")]),
        Turn(tool_calls=[call("glob", "g", pattern="*")]),
        Turn(content="never seen", delay=4.0),  # cut by the 1.5 s wall budget
        Turn(content=PARTIAL),
        Turn(content="lr=3e-4, partly sourced."),
    )
    settings = fast_settings(llm.url, tool_timeout_s=0.3, research={"max_wall_s": 1.5})
    async with open_session(settings, workspace, catalog=parent_catalog(settings)) as session:
        events = await collect(session.send("Which lr?"))
        usage = (await session.values())["usage"]
    result = tool_results(llm.requests[-1])["r1"]
    assert result.startswith("PARTIAL research report") and "stopped: time_budget" in result
    assert PARTIAL in result and "did not finish within" not in result
    assert events[-1].data["final_text"] == "lr=3e-4, partly sourced."
    assert usage["calls"] == 4  # parent 2 + sub-agent 1 + summary 1; the cut call cost nothing


async def test_a_failing_model_still_gives_a_report_and_counts_the_spend(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("glob", "a", pattern="*")]),
        Turn(status=401, error_message="Incorrect API key provided"),
        Turn(content=PARTIAL),
    )
    agent = agent_for(research_settings(llm), tmp_path / "home")
    result = await agent(request(workspace), lambda _event: None)
    assert result.stop_reason == "error" and result.partial
    assert (
        result.report.startswith("(The research failed: ProviderError") and PARTIAL in result.report
    )
    assert result.usage["calls"] == 2  # the first step and the summary


async def test_it_uses_the_threads_current_model(llm: ScriptedLLMServer, workspace: Path) -> None:
    llm.add(
        Turn(tool_calls=[call("research", "r1", task="Which lr?")]),
        Turn(content=REPORT),
        Turn(content="done"),
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, catalog=parent_catalog(settings)) as session:
        await session.set_model("openai/other-model")
        await collect(session.send("Which lr?"))
    assert [r["model"] for r in llm.requests] == ["other-model"] * 3


async def test_two_research_calls_in_one_step_run_at_once(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    # Each sub-agent's first request waits for the other's: run one after the other, they
    # would time out at the barrier and answer an error instead of a report.
    barrier = threading.Barrier(2, timeout=10)

    def respond(req: dict[str, Any]) -> Turn:
        if has_tool(req, "research"):
            return Turn(content="both answered")
        task = "alpha" if "Task: alpha" in str(req["messages"]) else "beta"
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return Turn(status=400, error_message="ran one at a time")
        return Turn(content=f"## Findings\n{task} found")

    llm.add(
        Turn(
            tool_calls=[
                call("research", "r1", task="alpha"),
                call("research", "r2", task="beta"),
            ]
        )
    )
    llm.responder = respond
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, catalog=parent_catalog(settings)) as session:
        await collect(session.send("look up alpha and beta"))
    results = tool_results(llm.requests[-1])
    assert "alpha found" in results["r1"] and "beta found" in results["r2"]


async def test_a_cancelled_research_still_adds_its_spend(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("research", "r1", task="Which lr?")]),
        Turn(tool_calls=[call("glob", "g", pattern="*")]),
        Turn(content="never seen", delay=3.0),  # the user cancels while this runs
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, catalog=parent_catalog(settings)) as session:
        seen = []
        async for event in session.send("Which lr?"):
            seen.append(event)
            if event.type == "usage" and event.data.get("agent") == "research":
                asyncio.get_running_loop().call_soon(session.cancel)
        usage = (await session.values())["usage"]
        messages = await session.messages()
    assert seen[-1].data["stop_reason"] == "interrupted"
    sub_spent = next(e.data for e in seen if e.type == "usage" and e.data.get("agent"))
    parent_spent = next(e.data for e in seen if e.type == "usage" and not e.data.get("agent"))
    assert usage["calls"] == 2
    assert usage["input_tokens"] == parent_spent["input_tokens"] + sub_spent["input_tokens"]
    assert any(
        getattr(m, "tool_call_id", "") == "r1" and "[cancelled]" in m.content for m in messages
    )


async def test_secrets_the_sub_agent_reads_never_reach_the_model(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    key = "AKIA" + "Q3EXAMPLE7RT2LMN"
    token = "hf_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ012345"
    (workspace / "notes.md").write_text(f"aws {key}\nhub {token}\nlr=3e-4\n")
    llm.add(
        Turn(tool_calls=[call("read", "r", path="notes.md")]),
        Turn(content=REPORT),
    )
    agent = agent_for(research_settings(llm), tmp_path / "home")
    result = await agent(request(workspace), lambda _event: None)
    sent = str(llm.requests)
    assert "lr=3e-4" in sent and "[REDACTED:aws-access-key-id]" in sent
    assert key not in sent and token not in sent and key not in result.report
