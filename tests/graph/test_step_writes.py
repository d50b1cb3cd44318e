"""A step saves only the state it changed: each key a node writes is a write to store, a new
channel version in the next checkpoint and a field of every `updates` event, so a model step
writes the thread's model once, and its stop reason and compaction request only when they
change; calls that need nobody go to their tasks without an approval step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from tests.fakes.agent import fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn


async def test_a_step_writes_only_what_it_changed(llm: ScriptedLLMServer, workspace: Path) -> None:
    (workspace / "data.txt").write_text("one\ntwo\n")
    for n in (1, 2):
        llm.add(
            Turn(tool_calls=[{"name": "read", "id": f"r{n}", "arguments": {"path": "data.txt"}}])
        )
    llm.add(Turn(content="The file has two lines."))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        turn = {"messages": [HumanMessage("how many lines in data.txt?")], "stop_reason": None}
        updates: list[dict[str, Any]] = [
            update
            async for update in session.graph.astream(
                turn, session.config, context=session.context, stream_mode="updates"
            )
        ]
        state = (await session.graph.aget_state(session.config)).values
    steps = [update["call_model"] for update in updates if "call_model" in update]
    assert ["model" in step for step in steps] == [True, False, False]
    assert [step.get("stop_reason") for step in steps] == [None, None, "done"]
    assert ["stop_reason" in step for step in steps] == [False, False, True]
    assert not any("compact_request" in step for step in steps)
    approvals = [
        update["approval_interrupt"] for update in updates if "approval_interrupt" in update
    ]
    assert approvals == []
    assert state["model"] == "openai/scripted-model" and state["stop_reason"] == "done"
    assert state.get("compact_request") is None
    assert [m.type for m in state["messages"]] == ["human", "ai", "tool", "ai", "tool", "ai"]
