"""The research sub-agent: read-only toolset, shared approval policy, progress, budget, usage.

The scripted LLM plays both agents: requests whose tools include `research` come from the
parent, the others from the sub-agent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.tool_calls import call_tool
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results, user_texts
from tools.research import ResearchRequest, ResearchResult, research_spec

REPORT = "## Findings\nThe notes use lr=3e-4.\n## Sources\nnotes.md\n## Recommended recipe\nlr 3e-4"


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


def tool_names(request: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in request.get("tools") or []}


def parent_catalog(settings: Any) -> Any:
    from configs.environment import ml_intern_home
    from graph.research_agent import with_research
    from tools.external.family import github_specs
    from tools.families import build_catalog

    base = build_catalog(settings).extended(github_specs())
    return with_research(base, settings, ml_intern_home())


def test_the_sub_agent_gets_only_read_only_tools() -> None:
    from graph.research_agent import research_catalog

    catalog = parent_catalog(fast_settings())
    assert "research" in catalog.names
    names = set(research_catalog(catalog).names)
    assert names == {
        "read", "glob", "grep", "skill",
        "hf_search", "hf_repo_details", "hf_inspect_dataset", "hf_papers",
        "hf_docs_search", "hf_docs_fetch", "trackio_metrics",
        "github_search_code", "github_read_file", "github_list_repos", "github_find_examples",
        "web_search", "web_fetch",
    }  # fmt: skip
    assert {"read", "glob", "grep", "github_search_code", "github_read_file"} <= names
    assert not names & {"bash", "write", "edit", "plan", "research", "hf_repo_files", "hf_jobs"}
    assert research_catalog(catalog).get("read").approval is catalog.get("read").approval


async def test_the_tool_returns_the_report_and_the_usage_as_artifact(workspace: Path) -> None:
    seen: list[ResearchRequest] = []

    async def runner(request: ResearchRequest, progress: Any) -> ResearchResult:
        seen.append(request)
        progress({"line": "outside a run this goes nowhere"})
        usage = {"input_tokens": 10, "output_tokens": 5, "cost_usd": 0.01, "calls": 2}
        return ResearchResult(REPORT, usage, iterations=2, tool_calls=1)

    tool = research_spec(runner).tool
    message = await call_tool(
        tool, {"task": "lr?"}, workspace, as_tool_call=True, mode="headless", thread="t"
    )
    assert message.content.startswith("Research report (2 steps, 1 tool calls, stopped: done)")
    assert REPORT in message.content
    assert message.artifact["usage"]["calls"] == 2 and message.artifact["agent"] == "research"
    assert seen[0].mode == "headless" and seen[0].workspace == workspace and seen[0].context is None


async def test_parent_delegates_and_the_sub_agent_obeys_the_parents_policy(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "notes.md").write_text("We trained with lr=3e-4.\n")
    llm.add(
        Turn(tool_calls=[call("research", "r1", task="Which lr did we use?", context="notes")]),
        Turn(
            tool_calls=[
                call("grep", "g1", pattern="lr="),
                call("read", "x1", path="/etc/hostname"),  # outside the workspace: asks
            ]
        ),
        Turn(content=REPORT),
        Turn(content="You used lr=3e-4."),
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, catalog=parent_catalog(settings)) as session:
        events = await collect(session.send("What learning rate did we use?"))
        messages = await session.messages()

    parent, sub, sub_after, parent_after = llm.requests
    assert "research" in tool_names(parent) and "research" not in tool_names(sub)
    assert not tool_names(sub) & {"bash", "write", "edit", "plan", "research", "hf_jobs"}
    brief = user_texts(sub)[0]
    assert "Which lr did we use?" in brief and "notes" in brief and "Budget: at most 40" in brief
    system = sub["messages"][0]["content"]
    assert system.startswith("You are the research sub-agent") and "## Recipe" in system
    assert "`plan`" not in system and "push_to_hub" not in system  # not the main prompt
    results = tool_results(sub_after)
    assert "notes.md:1:We trained with lr=3e-4." in results["g1"]
    assert "Nobody can approve" in results["x1"]  # rejected: the parent would have asked
    assert REPORT in tool_results(parent_after)["r1"]
    assert not [e for e in events if e.type == "approval_required"]
    for request in llm.requests:
        assert_valid_tool_pairing(request["messages"])

    logs = [e.data for e in events if e.type == "tool_log"]
    assert logs and all(d["agent"] == "research" and d["tool_call_id"] == "r1" for d in logs)
    lines = [d.get("line", "") for d in logs]
    assert any(line.startswith("→ grep(") for line in lines)
    assert any(line.startswith("✗ read:") for line in lines)
    sub_usage = [e.data for e in events if e.type == "usage" and e.data.get("agent") == "research"]
    assert len(sub_usage) == 2  # one per sub-agent model call, labelled
    artifact = next(m.artifact for m in messages if getattr(m, "tool_call_id", "") == "r1")
    assert artifact["usage"]["calls"] == 2 and artifact["usage"]["input_tokens"] > 0
    assert events[-1].data["final_text"] == "You used lr=3e-4."


async def test_in_headless_mode_the_sub_agent_runs_what_the_parent_would(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    from graph.research_agent import ResearchAgent

    outside = tmp_path / "outside.txt"
    outside.write_text("secret sauce\n")
    llm.add(Turn(tool_calls=[call("read", "x1", path=str(outside))]), Turn(content=REPORT))
    settings = fast_settings(llm.url)
    agent = ResearchAgent(settings, parent_catalog(settings), tmp_path / "home")
    request = ResearchRequest("t", None, "headless", workspace, "thread")
    result = await agent(request, lambda _event: None)
    assert "secret sauce" in tool_results(llm.requests[1])["x1"]
    assert result.report == REPORT.strip() and result.tool_calls == 1


async def test_sub_agent_usage_adds_to_the_threads_usage(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("research", "r1", task="anything")]),
        Turn(content=REPORT),
        Turn(content="done"),
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, catalog=parent_catalog(settings)) as session:
        events = await collect(session.send("go"))
    prompt_tokens = [len(json.dumps(r["messages"], default=str)) // 4 for r in llm.requests]
    assert events[-1].data["usage"]["input_tokens"] == sum(prompt_tokens)
