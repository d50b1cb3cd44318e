"""What the model is told in a real run: a thread-stable system prompt, the runtime note at
the end, project memory and skills, the Hugging Face user, and the headless plan guard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.hub_server import FakeHub, hub_env
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import runtime_note_of, tool_results


def call(tool: str, call_id: str, **args: Any) -> dict[str, Any]:
    return {"name": tool, "id": call_id, "arguments": args}


def todos(*statuses: str) -> list[dict[str, str]]:
    return [{"id": str(i), "content": f"step {i}", "status": s} for i, s in enumerate(statuses)]


def system_of(request: dict[str, Any]) -> str:
    first = request["messages"][0]
    assert first["role"] == "system"
    return str(first["content"])


def is_reminder(message: dict[str, Any]) -> bool:
    return str(message.get("content")).startswith("Your plan still has unfinished items")


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with hub_env(monkeypatch) as hub:
        yield hub


async def test_the_system_prompt_is_byte_stable_while_the_plan_travels_at_the_end(
    llm: ScriptedLLMServer, hub: FakeHub, workspace: Path
) -> None:
    (workspace / "AGENTS.md").write_text("Always train with seed 1234.\n")
    own = workspace / ".ml-intern" / "skills" / "house-style"
    own.mkdir(parents=True)
    (own / "SKILL.md").write_text(
        "---\nname: house-style\ndescription: How this lab names its Hub repos.\n---\nUse lab-.\n"
    )
    llm.add(
        Turn(tool_calls=[call("plan", "p1", todos=todos("in_progress", "pending"))]),
        Turn(tool_calls=[call("skill", "k1", name="house-style")]),
        Turn(tool_calls=[call("plan", "p2", todos=todos("completed", "completed"))]),
        Turn(content="all done"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("do the two steps"))
    assert events[-1].data["stop_reason"] == "done"
    systems = {system_of(r) for r in llm.requests}
    assert len(systems) == 1  # the same bytes on every call: cacheable
    system = systems.pop()
    assert "Always train with seed 1234." in system
    assert "- house-style: How this lab names its Hub repos." in system
    assert "- sft-trl:" in system  # bundled skills are listed next to the project's
    assert "Hugging Face user: alice" in system  # from the local Hub's whoami
    assert "# Mode: headless" in system and "Today is" not in system
    assert "[~] step 0" in runtime_note_of(llm.requests[1])
    assert "[x] step 1" in runtime_note_of(llm.requests[3])
    assert "Use lab-." in tool_results(llm.requests[2])["k1"]


async def test_without_a_token_the_prompt_names_no_user(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)  # and conftest hides any saved login
    llm.add(Turn(content="hi"))
    async with open_session(fast_settings(llm.url), workspace) as session:
        await collect(session.send("hello"))
    assert "Hugging Face user" not in system_of(llm.requests[0])
    assert "# Mode: interactive" in system_of(llm.requests[0])


async def test_a_headless_answer_with_open_plan_items_is_continued(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("plan", "p1", todos=todos("pending"))]),
        Turn(content="I will stop here."),  # premature: step 0 is still pending
        Turn(tool_calls=[call("plan", "p2", todos=todos("completed"))]),
        Turn(content="finished"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("work"))
    done = events[-1].data
    assert done["stop_reason"] == "done" and done["final_text"] == "finished"
    reminders = [m for m in llm.requests[-1]["messages"] if is_reminder(m)]
    assert len(reminders) == 1 and "- step 0" in reminders[0]["content"]
    assert is_reminder(llm.requests[2]["messages"][-2])  # right after the premature answer


async def test_the_plan_guard_is_bounded_and_only_headless(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(tool_calls=[call("plan", "p1", todos=todos("pending"))]))
    llm.add(*[Turn(content=f"stopping {i}") for i in range(3)])
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("work"))
    assert events[-1].data["stop_reason"] == "plan_unfinished"
    assert len(llm.requests) == 4  # the plan call, the answer, two reminded answers: no more

    llm.add(Turn(tool_calls=[call("plan", "p1", todos=todos("pending"))]), Turn(content="ask"))
    async with open_session(fast_settings(llm.url), workspace) as session:
        events = await collect(session.send("work"))
    assert events[-1].data["stop_reason"] == "done"  # interactive: the user decides
    assert len(llm.requests) == 6


async def test_a_broken_skill_and_a_binary_agents_md_warn_once_and_the_run_goes_on(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    broken = workspace / ".ml-intern" / "skills" / "broken"
    broken.mkdir(parents=True)
    (broken / "SKILL.md").write_text("x" * 70_000)  # over the size limit
    (workspace / "AGENTS.md").write_bytes(b"\x00\x01\x02")
    llm.add(Turn(tool_calls=[call("glob", "g1", pattern="*")]), Turn(content="one"))
    llm.add(Turn(content="two"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        first = await collect(session.send("first"))
        second = await collect(session.send("second"))
    warnings = [e.data["message"] for e in first + second if e.type == "error"]
    assert len(warnings) == 2  # one each, though the prompt was built three times
    assert any(str(broken / "SKILL.md") in w and "limit" in w for w in warnings)
    assert any("AGENTS.md is not a text file" in w for w in warnings)
    assert first[-1].data["final_text"] == "one" and second[-1].data["final_text"] == "two"
    assert "- sft-trl:" in system_of(llm.requests[-1])  # the good skills are still listed
