"""Trivial graph with an interrupt: ask -> (interrupt) -> answer."""
import asyncio
import os
from typing import TypedDict
from langgraph.graph import StateGraph, START, END
from langgraph.types import interrupt
from langgraph.config import get_stream_writer


class State(TypedDict, total=False):
    question: str
    decisions: list
    answer: str
    steps: int


async def ask(state: State) -> State:
    get_stream_writer()({"progress": "before interrupt"})
    got = interrupt({"action_requests": [{"name": "bash", "args": {"cmd": "ls"}, "description": "run ls"}]})
    return {"decisions": got["decisions"]}


async def slow(state: State) -> State:
    q = state.get("question") or ""
    if q.startswith("slow"):
        with open("/tmp/aegra-toy-slow-starts.log", "a") as f:
            f.write(f"{q} {os.getpid()}\n")
        await asyncio.sleep(float(q[4:] or 6))
    if q.startswith("chatty"):
        w = get_stream_writer()
        for i in range(int(q[6:] or 400)):
            w({"i": i, "pad": "x" * 2048})
            await asyncio.sleep(0.02)
    return {"steps": (state.get("steps") or 0) + 1}


async def answer(state: State) -> State:
    return {"answer": f"decided {state['decisions'][0]['type']}"}


b = StateGraph(State)
b.add_node("slow", slow)
b.add_node("ask", ask)
b.add_node("answer", answer)
b.add_edge(START, "slow")
b.add_edge("slow", "ask")
b.add_edge("ask", "answer")
b.add_edge("answer", END)
graph = b.compile()
