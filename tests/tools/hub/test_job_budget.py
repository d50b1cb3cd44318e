"""Paid Jobs stay within the run's budget even when nobody approves them by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from configs.run_context import RunContext
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.hub_server import FakeHub, hub_env
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.call_context import CallContext, calling
from tools.hub.job_budget import timeout_hours
from tools.hub.jobs import jobs_spec

RUN_T4 = {"operation": "run", "image": "python:3.12", "command": ["python", "-c", "1"]}


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with hub_env(monkeypatch) as hub:
        yield hub


async def launch(budget: float, spent: float, **args: Any) -> Any:
    tool = jobs_spec(max_job_cost=budget).tool
    context = CallContext(RunContext(mode="headless"), "hf_jobs", "c1", job_spent_usd=spent)
    with calling(context):
        payload = {"name": "hf_jobs", "args": args, "id": "c1", "type": "tool_call"}
        return await tool.ainvoke(payload)


def test_timeouts_in_hours() -> None:
    assert [timeout_hours(t) for t in ("2h", "30m", "1d", "5400", None)] == [2, 0.5, 24, 1.5, 0.5]


async def test_a_job_past_the_budget_is_refused_with_the_estimate_and_the_flag(
    hub: FakeHub,
) -> None:
    # t4-small is $0.60/h on the fake Hub; a GPU job without a timeout gets 2 h: $1.20.
    refused = await launch(1.0, 0.0, flavor="t4-small", **RUN_T4)
    assert refused.status == "error" and "Not started" in refused.content
    assert "$1.20" in refused.content and "--max-job-cost" in refused.content
    assert not hub.sent_to(r"^/api/jobs/alice$")  # nothing was launched
    already = await launch(10.0, 9.0, flavor="t4-small", **RUN_T4)
    assert "Not started" in already.content and "$9.00 already committed" in already.content


async def test_a_job_within_the_budget_starts_and_counts_its_worst_case(hub: FakeHub) -> None:
    started = await launch(10.0, 0.0, flavor="t4-small", timeout="30m", **RUN_T4)
    assert started.content.startswith("Started job")
    assert started.artifact == {"usage": {"job_cost_usd": 0.3}}
    listed = await launch(1.0, 5.0, operation="ps")  # other operations are free
    assert listed.status != "error"


async def test_headless_spends_the_budget_and_reports_it(
    hub: FakeHub, llm: ScriptedLLMServer, workspace: Path
) -> None:
    job = {"name": "hf_jobs", "arguments": {**RUN_T4, "flavor": "t4-small"}}
    llm.add(Turn(tool_calls=[job]), Turn(tool_calls=[job]), Turn(content="one job is running"))
    settings = fast_settings(llm.url, max_job_cost=2.0)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("fine-tune llama on my dataset"))
    results = [str(m["content"]) for m in llm.requests[2]["messages"] if m["role"] == "tool"]
    assert results[0].startswith("Started job") and "Not started" in results[1]
    assert len(hub.sent_to(r"^/api/jobs/alice$")) == 1
    assert events[-1].data["usage"]["job_cost_usd"] == pytest.approx(1.2)
