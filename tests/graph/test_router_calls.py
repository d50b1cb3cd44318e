"""The graph's routers are plain awaits (graph/builder.py `direct`): no traced run of their own,
while the nodes' runs, the token stream and the events the front ends read stay as they were,
and a router still sees the whole state (the loop guard's parallel-calls test in
test_agent_guards.py is the case where it matters)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import HumanMessage

from graph.session import TOKEN_STREAM_MODES
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

ROUTERS = {
    "route_entry",
    "route_after_model",
    "route_after_approval",
    "route_after_compact",
    "route_after_doom_check",
}


class ChainRuns(AsyncCallbackHandler):
    """The names of the chain runs LangGraph starts, as any tracer would see them."""

    def __init__(self) -> None:
        self.names: list[str] = []

    async def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        self.names.append(str(kwargs.get("name")))


async def test_routers_start_no_run_and_the_front_ends_events_are_all_sent(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "data.txt").write_text("one\ntwo\n")
    llm.add(
        Turn(tool_calls=[{"name": "read", "id": "r1", "arguments": {"path": "data.txt"}}]),
        Turn(content="The file has two lines."),
    )
    llm.add(
        Turn(tool_calls=[{"name": "read", "id": "r2", "arguments": {"path": "data.txt"}}]),
        Turn(content="Still two."),
    )
    settings = fast_settings(llm.url, stream=True)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("how many lines in data.txt?"))
        runs = ChainRuns()  # a second turn, with a tracer on the run's config
        again = {"messages": [HumanMessage("and now?")], "stop_reason": None}
        config = {**session.config, "callbacks": [runs]}
        async for _ in session.graph.astream(
            again, config, context=session.context, stream_mode=TOKEN_STREAM_MODES
        ):
            pass
    kinds = [e.type for e in events]
    for kind in ("assistant_chunk", "tool_call", "tool_output", "usage", "turn_complete"):
        assert kind in kinds, kind
    chunks = "".join(e.data["text"] for e in events if e.type == "assistant_chunk")
    assert chunks == "The file has two lines."
    output = next(e for e in events if e.type == "tool_output")
    assert "two" in str(output.data)
    assert events[-1].data["stop_reason"] == "done"
    assert len(llm.requests) == 4  # the traced turn ran its model and its tool
    assert {"call_model", "execute_tools"} <= set(runs.names)
    assert "approval_interrupt" not in runs.names  # a read needs nobody: no approval step
    assert not ROUTERS & set(runs.names)
