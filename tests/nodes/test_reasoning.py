"""Reasoning effort: the config and /effort reach models that take one; others get a notice."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn


async def test_the_effort_reaches_a_reasoning_model_and_effort_changes_it(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="thought hard"), Turn(content="thought less"))
    settings = fast_settings(llm.url, model_name="openai/o3-mini", reasoning_effort="high")
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send("hard question"))
        await session.set_effort("low")
        await collect(session.send("easy question"))
    assert [r.get("reasoning_effort") for r in llm.requests] == ["high", "low"]


async def test_a_model_without_reasoning_gets_a_notice_not_an_error(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="plain"), Turn(content="plain again"))
    settings = fast_settings(llm.url, reasoning_effort="medium")
    async with open_session(settings, workspace, mode="headless") as session:
        first = await collect(session.send("hi"))
        second = await collect(session.send("hi again"))
    assert all("reasoning_effort" not in r for r in llm.requests)
    notices = [e.data["message"] for e in first if e.type == "error" and e.data.get("warning")]
    assert notices == [
        "openai/scripted-model does not take a reasoning effort; 'medium' is ignored."
    ]
    assert not [e for e in second if e.type == "error"]  # said once
    assert first[-1].data["final_text"] == "plain"
