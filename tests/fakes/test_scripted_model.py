"""The in-process scripted model behaves like a provider where tests depend on it."""

from __future__ import annotations

from tests.fakes.scripted_model import ScriptedChatModel, says, tool_call


async def test_identical_calls_get_different_ids() -> None:
    first, second = tool_call("bash", {"command": "ls"}), tool_call("bash", {"command": "ls"})
    assert first["id"] != second["id"]
    assert tool_call("bash", {"command": "ls"}, "mine")["id"] == "mine"


async def test_it_plays_its_steps_in_order_and_records_prompts() -> None:
    model = ScriptedChatModel(steps=[says("one"), says("two")])
    assert (await model.ainvoke("a")).content == "one"
    assert (await model.ainvoke("b")).content == "two"
    assert [p[0].content for p in model.prompts] == ["a", "b"]
