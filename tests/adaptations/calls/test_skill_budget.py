"""A small model loads one skill a turn (docs/lab, train-classifier: five in a row)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from adaptations.calls.skill_budget import ONE_SKILL, second_skills
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

SMALL = "llamacpp/qwen2.5-coder-1.5b"

# Off by default since 2026-11-27 (switched off with the never-fired rules to no loss on
# dev pass 1): switched on here.
SWITCHED_ON = {SMALL: {"skill-budget": True}}


def skill(call_id: str, name: str) -> dict[str, object]:
    return {"id": call_id, "name": "skill", "args": {"name": name}}


def test_the_one_skill_note_snapshot() -> None:
    check_snapshot("skill_budget.md", ONE_SKILL.format(loaded="asr-fine-tuning") + "\n")


def test_only_skills_after_the_first_loaded_are_answered() -> None:
    failed = [
        AIMessage(content="", tool_calls=[skill("0", "nope")]),
        ToolMessage(content="No skill is named 'nope'.", tool_call_id="0", status="error"),
    ]
    assert second_skills(failed, [skill("1", "sft-trl")]) == {}  # nothing loaded yet
    same_reply = second_skills(failed, [skill("1", "sft-trl"), skill("2", "hf-jobs")])
    assert set(same_reply) == {"2"}
    assert ONE_SKILL.format(loaded="sft-trl") == same_reply["2"].content
    loaded = [
        HumanMessage("train a classifier"),
        AIMessage(content="", tool_calls=[skill("3", "dataset-audit")]),
        ToolMessage(content="# Skill: dataset-audit", tool_call_id="3"),
    ]
    later = second_skills(loaded, [skill("4", "distillation"), {"id": "5", "name": "bash"}])
    assert set(later) == {"4"} and "`dataset-audit`" in str(later["4"].content)


async def test_a_small_model_gets_one_skill_then_works(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    load = {"name": "skill", "arguments": {"name": "dataset-audit"}}
    other = {"name": "skill", "arguments": {"name": "distillation"}}
    llm.add(Turn(tool_calls=[load]), Turn(tool_calls=[other]), Turn(content="Trained."))
    settings = fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Train a classifier on train.csv."))
    last = llm.requests[2]["messages"][-1]
    assert last["role"] == "tool" and last["content"] == ONE_SKILL.format(loaded="dataset-audit")
    assert "# Skill: distillation" not in str(llm.requests[2]["messages"])
    assert events[-1].data["final_text"] == "Trained."


async def test_a_large_model_loads_as_many_skills_as_it_asks_for(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    load = {"name": "skill", "arguments": {"name": "dataset-audit"}}
    other = {"name": "skill", "arguments": {"name": "distillation"}}
    llm.add(Turn(tool_calls=[load]), Turn(tool_calls=[other]), Turn(content="Trained."))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("Train a classifier on train.csv."))
    assert "# Skill: distillation" in str(llm.requests[2]["messages"])
