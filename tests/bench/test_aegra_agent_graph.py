"""bench/aegra_agent_graph.py (the libraries' own agent) and bench/aegra_bare_graph.py (the
same shape, bare) run the team server's shape on the scripted model, and bench/aegra_floor.py
counts such a run as finished only when it is whole."""

from __future__ import annotations

import importlib
import sys

import pytest

from bench.aegra_floor import finished
from bench.server_load import Script
from tests.fakes.llm_server import ScriptedLLMServer


@pytest.mark.parametrize("name", ["agent", "bare"])
async def test_the_graph_calls_plan_twice_then_answers(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = Script(0.0)
    module = f"bench.aegra_{name}_graph"
    with ScriptedLLMServer(responder=script) as llm:
        monkeypatch.setenv("FLOOR_MODEL_URL", llm.url)
        monkeypatch.delitem(sys.modules, module, raising=False)
        agent = importlib.import_module(module)
        out = await agent.graph.ainvoke({"messages": [{"type": "human", "content": "task 1"}]})
        if client := getattr(agent, "client", None):
            await client.aclose()
    messages = [message.model_dump() for message in out["messages"]]
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "ai", "tool", "ai"]
    assert messages[2]["content"] == "Plan updated: 1 todo(s)."
    assert len(script.arrivals["task 1"]) == 3  # three model steps, as the team server's run
    assert finished(name, messages)
    assert not finished(name, messages[:-1])  # no answer yet
    failed = [*messages[:2], {**messages[2], "status": "error"}, *messages[3:]]
    assert not finished(name, failed)  # a tool step that failed did not do its work


def test_the_floor_counts_one_message_a_step() -> None:
    said = [{"type": "human", "content": "go"}] + [{"type": "ai", "content": "s"}] * 3
    assert finished("floor", said) and not finished("floor", said[:-1])
