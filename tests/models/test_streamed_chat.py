"""The model client's connection pool (models/streamed_chat.py) against a real loopback server
that keeps its connections, as a provider does."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.graph import START, MessagesState, StateGraph

from configs.settings import Settings
from models.chat_model import litellm_chat_model
from models.streamed_chat import POOLS, pool_for, shared_client
from tests.fakes.llm_server import ScriptedLLMServer, Turn

MODEL = "llamacpp/qwen"
AT_ONCE = 104  # more than the openai SDK's 100 kept (a team server's 128 runs at once)
CHUNK = b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"done"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\ndata: [DONE]\n\n'  # fmt: skip


def chat_model(url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("LLAMACPP_BASE_URL", url)
    return litellm_chat_model(Settings(model_name=MODEL, model_client="auto"))(MODEL)


async def test_calls_one_after_another_share_one_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stream is read to its end after `[DONE]`, so its connection goes back to the pool:
    five calls, one connection (each opened its own, and a provider's TLS handshake, before)."""
    with ScriptedLLMServer(default=Turn(content="a"), keep_alive=True) as server:
        model = chat_model(server.url, monkeypatch)
        try:
            for _ in range(5):
                assert (await model.ainvoke([HumanMessage("hi")])).content == "a"
            assert server.connections_opened == 1 and len(server.requests) == 5
        finally:
            await shared_client().aclose()


@pytest.fixture(params=["held open", "garbled"])
def held_open(request: pytest.FixtureRequest) -> Iterator[str]:
    """A server that sends one chunk and `[DONE]`, then holds the chunked body open until the
    test ends, or sends bytes that are no chunk: its base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n"
                             + b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n")  # fmt: skip
                if request.param == "garbled":
                    conn.sendall(b"not a chunk\r\n\r\n")
                done.wait(30)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        done.set()
        listener.close()
        thread.join(5)


async def test_a_body_held_open_or_garbled_after_done_still_answers_within_a_second(
    held_open: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading past `[DONE]` is bounded and cannot fail the call: the reply stands after at
    most a second's wait."""
    with ScriptedLLMServer(default=Turn(content="a")) as server:  # the first call's imports
        assert (await chat_model(server.url, monkeypatch).ainvoke("hi")).content == "a"
    model = chat_model(held_open, monkeypatch)
    began = time.monotonic()
    try:
        assert (await model.ainvoke([HumanMessage("hi")])).content == "done"
    finally:
        await shared_client().aclose()
    assert time.monotonic() - began < 1.0 + 2.0  # the bound, and a loaded machine's slack


async def test_a_second_burst_of_calls_opens_no_new_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """104 calls held open at once need 104 connections; the next 104 reuse every one of them
    (with the openai SDK's 100 kept idle, some were opened again each burst)."""
    gate = threading.Event()
    with ScriptedLLMServer(default=Turn(content="a", gate=gate), keep_alive=True) as server:
        model = chat_model(server.url, monkeypatch)

        async def burst() -> list[str]:
            gate.clear()
            calls = [asyncio.ensure_future(model.ainvoke([HumanMessage("hi")]))
                     for _ in range(AT_ONCE)]  # fmt: skip
            while server.in_flight < AT_ONCE:  # every call holds its own connection
                await asyncio.sleep(0.01)
            gate.set()
            return [reply.content for reply in await asyncio.gather(*calls)]

        try:
            assert await burst() == ["a"] * AT_ONCE
            assert server.connections_opened == AT_ONCE
            assert await burst() == ["a"] * AT_ONCE
            assert server.connections_opened == AT_ONCE
        finally:
            await shared_client().aclose()  # no kept socket outlives the test


async def test_a_thread_s_calls_share_one_connection_whichever_pool_is_its(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Calls from a graph's runs go through their thread's pool (of several): each of eight
    threads makes three calls over its one connection."""
    with ScriptedLLMServer(default=Turn(content="a"), keep_alive=True) as server:
        model = chat_model(server.url, monkeypatch)

        async def three_calls(state: MessagesState) -> dict[str, Any]:
            replies = [await model.ainvoke(state["messages"]) for _ in range(3)]
            return {"messages": replies}

        graph = StateGraph(MessagesState)
        graph.add_node("calls", three_calls)
        graph.add_edge(START, "calls")
        app = graph.compile()
        try:
            for thread in range(8):
                config = {"configurable": {"thread_id": f"thread-{thread}"}}
                await app.ainvoke({"messages": [HumanMessage("hi")]}, config)
            assert len(server.requests) == 24 and server.connections_opened <= 8
            used = {pool_for(f"thread-{thread}") for thread in range(8)}
            assert server.connections_opened == len(used) > 1  # one a pool, several pools
        finally:
            for pool in range(POOLS):
                await shared_client(pool).aclose()
