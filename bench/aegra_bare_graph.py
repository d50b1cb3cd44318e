"""The floor bench's bare graph: the team server's shape with as little as LangGraph allows. A
model node posts the messages to `FLOOR_MODEL_URL`'s chat completions with one kept-alive
`httpx` client (no model client library, no streaming) and adds the answer; a tool node answers
each call of `plan` without running anything; a plain function loops until the model answers
without a call. Against the bench's scripted model a run is three model steps and two tool
steps, as the team server's and bench/aegra_agent_graph.py's are: what the shape itself costs
on Aegra, below any agent a library or we build."""

from __future__ import annotations

import json
import os
from typing import Annotated, Any, TypedDict

import httpx
from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages

URL = os.environ.get("FLOOR_MODEL_URL", "http://127.0.0.1:9/v1") + "/chat/completions"
PLAN_TOOL = {"type": "function", "function": {
    "name": "plan", "description": "Record the task's plan.",
    "parameters": {"type": "object", "properties": {"todos": {"type": "array"}}},
}}  # fmt: skip
client: httpx.AsyncClient | None = None  # made on the server's event loop, at the first call


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def wire(message: AnyMessage) -> dict[str, Any]:
    """One message as the chat completions API takes it."""
    if isinstance(message, ToolMessage):
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if isinstance(message, AIMessage):
        calls = [{"id": c["id"], "type": "function", "function": {
            "name": c["name"], "arguments": json.dumps(c["args"])}} for c in message.tool_calls]  # fmt: skip
        return {"role": "assistant", "content": message.content, **({"tool_calls": calls} if calls else {})}  # fmt: skip
    return {"role": "user", "content": message.content}


async def call_model(state: State) -> dict:
    global client
    client = client or httpx.AsyncClient(timeout=600, trust_env=False)
    body = {"model": "scripted-model", "messages": [wire(m) for m in state["messages"]],
            "tools": [PLAN_TOOL]}  # fmt: skip
    answer = (await client.post(URL, json=body)).raise_for_status().json()["choices"][0]["message"]
    calls = [{"id": c["id"], "name": c["function"]["name"],
              "args": json.loads(c["function"]["arguments"] or "{}")}
             for c in answer.get("tool_calls") or []]  # fmt: skip
    return {"messages": [AIMessage(content=answer.get("content") or "", tool_calls=calls)]}


async def tools(state: State) -> dict:
    last = state["messages"][-1]
    assert isinstance(last, AIMessage)
    return {"messages": [ToolMessage(f"Plan updated: {len(c['args'].get('todos', []))} todo(s).",
                                     tool_call_id=c["id"], name=c["name"])
                         for c in last.tool_calls]}  # fmt: skip


def more(state: State) -> str:
    last = state["messages"][-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else END


builder = StateGraph(State)
builder.add_node("call_model", call_model)
builder.add_node("tools", tools)
builder.add_edge(START, "call_model")
builder.add_conditional_edges("call_model", more, ["tools", END])
builder.add_edge("tools", "call_model")
graph = builder.compile()
