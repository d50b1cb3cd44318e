"""The floor bench's graph: three supersteps that each wait `FLOOR_STEP_S` (a model's time)
and add one message; no model, no tools, Aegra's own checkpointer."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages

STEP_S = float(os.environ.get("FLOOR_STEP_S", "0.6"))
STEPS = 3


class State(TypedDict):
    messages: Annotated[list, add_messages]


async def step(state: State) -> dict:
    await asyncio.sleep(STEP_S)
    return {"messages": [{"type": "ai", "content": f"step {len(state['messages'])}"}]}


def more(state: State) -> str:
    return "step" if len(state["messages"]) <= STEPS else END


builder = StateGraph(State)
builder.add_node("step", step)
builder.add_edge(START, "step")
builder.add_conditional_edges("step", more, ["step", END])
graph = builder.compile()
