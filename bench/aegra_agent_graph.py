"""The floor bench's agent graph: the libraries' own tool-calling loop, in the team server's
shape and nothing of ours. A model node (`langchain-openai`'s `ChatOpenAI`, tools bound) calls
the model at `FLOOR_MODEL_URL`; LangGraph's prebuilt `ToolNode` runs the one tool it is given,
`plan`, which only answers; `tools_condition` loops until the model answers without a call.
Aegra's own checkpointer. Against the bench's scripted model (two `plan` calls, then an
answer) a run is three model steps and two tool steps, as the team server's is."""

from __future__ import annotations

import os
from typing import Annotated, Any, TypedDict

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode, tools_condition


@tool
def plan(todos: list[dict[str, Any]]) -> str:
    """Record the task's plan: a list of todos, each with an id, content and status."""
    return f"Plan updated: {len(todos)} todo(s)."


class State(TypedDict):
    messages: Annotated[list, add_messages]


model = ChatOpenAI(
    base_url=os.environ.get("FLOOR_MODEL_URL", "http://127.0.0.1:9/v1"),
    api_key="sk-floor-not-a-key",
    model="scripted-model",
    max_retries=0,
).bind_tools([plan])


async def call_model(state: State) -> dict:
    return {"messages": [await model.ainvoke(state["messages"])]}


builder = StateGraph(State)
builder.add_node("call_model", call_model)
builder.add_node("tools", ToolNode([plan]))
builder.add_edge(START, "call_model")
builder.add_conditional_edges("call_model", tools_condition, ["tools", END])
builder.add_edge("tools", "call_model")
graph = builder.compile()
