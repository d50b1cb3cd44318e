"""Bench graph: 3 steps of 0.6 s 'model time', each adding ~2 KB to state, streamed as updates."""
import asyncio
import operator
from typing import Annotated, TypedDict
from langgraph.graph import StateGraph, START, END


class S(TypedDict, total=False):
    log: Annotated[list, operator.add]


async def step(state: S) -> S:
    await asyncio.sleep(0.6)
    return {"log": ["y" * 2048]}

b = StateGraph(S)
for n in ("a", "b", "c"):
    b.add_node(n, step)
b.add_edge(START, "a"); b.add_edge("a", "b"); b.add_edge("b", "c"); b.add_edge("c", END)
graph = b.compile()
