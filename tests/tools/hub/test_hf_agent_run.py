"""The HF tools in real agent runs: scripted model over HTTP, the graph, approvals, local Hub."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.hub_server import FakeHub, hub_env
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results
from tools.catalog import ToolCatalog
from tools.families import build_catalog
from tools.hub.family import hub_specs

TRAIN = "from trl import SFTTrainer\nprint('training')\n"


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


def catalog(settings: Any, workspace: Path) -> ToolCatalog:
    """The default catalog, as the CLI builds it: it includes the Hugging Face tools."""
    built = build_catalog(settings)
    assert {"hf_search", "hf_jobs"} <= set(built.names)
    return built


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with hub_env(monkeypatch) as hub:
        hub.add_repo("models", "alice/sft-out")
        yield hub


async def test_search_inspect_upload_and_a_followed_job(
    llm: ScriptedLLMServer, hub: FakeHub, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("hf_search", "s1", query="chat", repo_type="dataset")]),
        Turn(tool_calls=[call("hf_inspect_dataset", "d1", dataset="acme/chat-data")]),
        Turn(
            tool_calls=[
                call(
                    "hf_repo_files",
                    "u1",
                    operation="upload",
                    repo_id="alice/sft-out",
                    path="train.py",
                    content=TRAIN,
                )
            ]
        ),
        Turn(
            tool_calls=[
                call("hf_jobs", "j1", operation="uv", script=TRAIN, dependencies=["trl"], wait=True)
            ]
        ),
        Turn(content="Trained: loss 1.20."),
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, catalog=catalog(settings, workspace)) as session:
        events = await collect(session.send("Fine-tune on acme/chat-data with HF Jobs"))
        asked = [e for e in events if e.type == "approval_required"]
        assert [r["name"] for r in asked[0].data["action_requests"]] == ["hf_repo_files"]
        assert "train.py" not in hub.repo("models", "alice/sft-out").files
        events = await collect(session.resume([{"type": "approve"}]))
        asked = [e for e in events if e.type == "approval_required"]
        assert [r["name"] for r in asked[0].data["action_requests"]] == ["hf_jobs"]
        assert not hub.jobs
        events = await collect(session.resume([{"type": "approve"}]))

    assert hub.repo("models", "alice/sft-out").files["train.py"] == TRAIN.encode()
    logs = [e for e in events if e.type == "tool_log" and e.data.get("job_id")]
    assert [e.data["line"] for e in logs] == hub.job_logs
    assert {e.data["tool"] for e in logs} == {"hf_jobs"}
    assert {e.data["tool_call_id"] for e in logs} == {"j1"}
    assert (
        events[-1].type == "turn_complete"
        and events[-1].data["final_text"] == "Trained: loss 1.20."
    )

    seen = {}
    for request in llm.requests:
        assert_valid_tool_pairing(request["messages"])
        seen.update(tool_results(request))
    assert "acme/chat-data" in seen["s1"]
    assert "messages: keys ['content', 'role']" in seen["d1"]
    assert "Uploaded train.py" in seen["u1"]
    assert (
        seen["j1"].startswith("Job job00001 finished: COMPLETED.") and "Training done" in seen["j1"]
    )
    tools = {t["function"]["name"] for t in llm.requests[0]["tools"]}
    assert {"hf_search", "hf_inspect_dataset", "hf_repo_files", "hf_jobs", "bash"} <= tools
    # The Hub token went to the Hub, and never to the model provider.
    assert hub.bearers() == {f"Bearer {hub.token}"}
    sent_to_llm = json.dumps([llm.requests, llm.request_headers])
    assert hub.token not in sent_to_llm


async def test_headless_runs_deletes_but_never_schedules(
    llm: ScriptedLLMServer, hub: FakeHub, workspace: Path
) -> None:
    hub.repo("models", "alice/sft-out").files["old.bin"] = b"\0"
    llm.add(
        Turn(
            tool_calls=[
                call(
                    "hf_jobs",
                    "sc1",
                    operation="scheduled_run",
                    image="python:3.12",
                    command=["python", "nightly.py"],
                    schedule="@daily",
                ),
                call(
                    "hf_repo_files",
                    "del1",
                    operation="delete",
                    repo_id="alice/sft-out",
                    path="old.bin",
                ),
            ]
        ),
        Turn(content="Deleted old.bin; the schedule needs you."),
    )
    settings = fast_settings(llm.url)
    async with open_session(
        settings, workspace, mode="headless", catalog=ToolCatalog(hub_specs(settings))
    ) as session:
        events = await collect(session.send("Clean up and schedule nightly training"))
    assert not [e for e in events if e.type == "approval_required"]
    results = tool_results(llm.requests[1])
    assert "needs a human's approval every time" in results["sc1"]
    assert not hub.sent_to("/api/scheduled-jobs") and not hub.scheduled
    assert "Deleted old.bin" in results["del1"]
    assert "old.bin" not in hub.repo("models", "alice/sft-out").files


async def test_cancelling_the_turn_lets_go_of_the_job_and_says_how_to_reach_it(
    llm: ScriptedLLMServer, hub: FakeHub, workspace: Path
) -> None:
    hub.job_line_delay = 0.3
    hub.job_logs = [f"step {i}" for i in range(50)]
    llm.add(Turn(tool_calls=[call("hf_jobs", "j1", operation="uv", script=TRAIN, wait=True)]))
    settings = fast_settings(llm.url)
    seen: list[str] = []
    async with open_session(
        settings, workspace, mode="headless", catalog=ToolCatalog(hub_specs(settings))
    ) as session:
        async for event in session.send("Train, then I change my mind"):
            seen.append(event.type)
            if event.type == "tool_log" and event.data.get("job_id"):
                session.cancel()
        messages = await session.messages()
    assert "interrupted" in seen and seen[-1] == "turn_complete"
    assert not hub.sent_to(r"/cancel$") and not hub.jobs["job00001"].get("_forced")
    result = next(m for m in messages if getattr(m, "tool_call_id", "") == "j1")
    assert result.content.startswith("[cancelled]") and "job job00001" in result.content
    assert "still running" in result.content and "operation='cancel'" in result.content


async def test_details_papers_docs_and_git_in_one_agent_turn(
    llm: ScriptedLLMServer, hub: FakeHub, workspace: Path
) -> None:
    llm.add(
        Turn(
            tool_calls=[
                call("hf_repo_details", "r1", repo_ids=["acme/tiny-bert"], repo_type="model"),
                call("hf_papers", "p1", operation="details", arxiv_id="2401.00001"),
                call("hf_docs_search", "s1", query="trainer dataset", product="trl"),
                call("hf_docs_fetch", "f1", url=f"{hub.url}/docs/hub/jobs"),
                call("hf_repo_git", "g1", operation="list_refs", repo_id="alice/sft-out"),
            ]
        ),
        Turn(content="I have what I need."),
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, catalog=catalog(settings, workspace)) as session:
        events = await collect(session.send("research before training"))
    assert not [e for e in events if e.type == "approval_required"]  # all read-only: no prompt
    outputs = {e.data["tool_call_id"]: e.data for e in events if e.type == "tool_output"}
    assert set(outputs) == {"r1", "p1", "s1", "f1", "g1"}
    assert not [k for k, v in outputs.items() if v["is_error"]], outputs
    assert "acme/tiny-bert" in outputs["r1"]["output"]
    assert "2401.00001" in outputs["p1"]["output"]
    assert "sft_trainer" in outputs["s1"]["output"]
    assert "hf jobs run" in outputs["f1"]["output"]
    assert "main" in outputs["g1"]["output"]
    results = tool_results(llm.requests[1])
    assert set(results) == {"r1", "p1", "s1", "f1", "g1"}
    assert events[-1].data["final_text"] == "I have what I need."
