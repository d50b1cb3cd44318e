"""Tests for the scripted OpenAI-compatible fake, driven by real litellm over HTTP."""

from __future__ import annotations

import os

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import litellm
import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn, _Handler, load_script

MODEL = "openai/fake-model"
MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "hello"}]
ROOT = Path(__file__).resolve().parents[2]
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture
def server() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as srv:
        yield srv


async def _call(srv: ScriptedLLMServer, **kwargs: Any) -> Any:
    """litellm.acompletion against the fake, with every retry layer disabled."""
    params: dict[str, Any] = {
        "model": MODEL,
        "api_base": srv.url,
        "api_key": "sk-test",
        "messages": MESSAGES,
        "num_retries": 0,
        "max_retries": 0,
    }
    params.update(kwargs)
    return await litellm.acompletion(**params)


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


async def test_plain_text_answer(server: ScriptedLLMServer) -> None:
    server.add(Turn(content="Hello there!"))
    resp = await _call(server)
    choice = resp.choices[0]
    assert choice.message.content == "Hello there!"
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    assert resp.model == "fake-model"
    assert resp.usage.completion_tokens == len("Hello there!") // 4
    assert resp.usage.prompt_tokens == len(json.dumps(MESSAGES)) // 4


async def test_tool_call_answer(server: ScriptedLLMServer) -> None:
    server.add(
        Turn(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_x"}])
    )
    resp = await _call(server, tools=[WEATHER_TOOL])
    msg = resp.choices[0].message
    assert resp.choices[0].finish_reason == "tool_calls"
    assert msg.content is None
    assert len(msg.tool_calls) == 1
    call = msg.tool_calls[0]
    assert call.id == "call_x"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}


async def test_streaming_text_and_tool_call(server: ScriptedLLMServer) -> None:
    server.add(
        Turn(
            content="Let me check the weather.",
            tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}],
        )
    )
    stream = await _call(
        server, tools=[WEATHER_TOOL], stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Let me check the weather."
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) == 3
    # litellm attaches the usage-only chunk to a chunk that still has (empty) choices.
    assert [c.usage for c in chunks if getattr(c, "usage", None)][-1].completion_tokens == (
        len("Let me check the weather.") // 4 + 10
    )

    built = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    assert built is not None
    msg = built.choices[0].message
    assert msg.content == "Let me check the weather."
    assert built.choices[0].finish_reason == "tool_calls"
    assert msg.tool_calls[0].function.name == "get_weather"
    assert json.loads(msg.tool_calls[0].function.arguments) == {"city": "Paris"}
    assert server.requests[0]["stream"] is True
    assert server.requests[0]["stream_options"] == {"include_usage": True}


async def test_stream_without_include_usage_has_no_usage_chunk(server: ScriptedLLMServer) -> None:
    server.add(Turn(content="abc"))
    stream = await _call(server, stream=True)
    chunks = [chunk async for chunk in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "abc"
    # litellm does not add stream_options on its own.
    assert "stream_options" not in server.requests[0]


async def test_cut_stream_raises(server: ScriptedLLMServer) -> None:
    server.add(Turn(content="this stream will be cut", cut_stream_after=2))
    stream = await _call(server, stream=True)
    received: list[str] = []
    # litellm wraps the transport's incomplete-chunked-read error in MidStreamFallbackError
    # (a ServiceUnavailableError subclass).
    with pytest.raises(litellm.ServiceUnavailableError):
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "this stream will be cut"[:8]


async def test_rate_limit_error(server: ScriptedLLMServer) -> None:
    server.add(
        Turn(status=429, error_code="rate_limit_exceeded", headers={"Retry-After": "0"}),
        Turn(content="unused"),
    )
    with pytest.raises(litellm.RateLimitError):
        await _call(server)
    assert len(server.requests) == 1  # no retries
    assert server.remaining == 1


async def test_context_window_exceeded(server: ScriptedLLMServer) -> None:
    # litellm maps by message text ("This model's maximum context length is ..."), not by
    # error code; the fake uses OpenAI's real wording when error_message is empty.
    server.add(Turn(status=400, error_code="context_length_exceeded"))
    with pytest.raises(litellm.ContextWindowExceededError) as info:
        await _call(server)
    assert isinstance(info.value, litellm.BadRequestError)


async def test_context_code_alone_is_plain_bad_request(server: ScriptedLLMServer) -> None:
    # Same code, custom message: litellm only sees a generic BadRequestError.
    server.add(Turn(status=400, error_code="context_length_exceeded", error_message="too long"))
    with pytest.raises(litellm.BadRequestError) as info:
        await _call(server)
    assert not isinstance(info.value, litellm.ContextWindowExceededError)


async def test_malformed_body_raises(server: ScriptedLLMServer) -> None:
    server.add(Turn(raw_body="{not json"))
    with pytest.raises(litellm.InternalServerError):
        await _call(server)


async def test_malformed_tool_arguments_sent_verbatim(server: ScriptedLLMServer) -> None:
    server.add(Turn(tool_calls=[{"name": "get_weather", "arguments": '{"city": "Par'}]))
    resp = await _call(server, tools=[WEATHER_TOOL])
    assert resp.choices[0].message.tool_calls[0].function.arguments == '{"city": "Par'


async def test_requests_recorded(server: ScriptedLLMServer) -> None:
    server.add(Turn(content="one"), Turn(content="two"))
    await _call(server, temperature=0.5)
    await _call(server, messages=[*MESSAGES, {"role": "assistant", "content": "one"}])
    assert [r["model"] for r in server.requests] == ["fake-model", "fake-model"]
    assert server.requests[0]["messages"] == MESSAGES
    assert server.requests[0]["temperature"] == 0.5
    assert server.requests[1]["messages"][-1] == {"role": "assistant", "content": "one"}
    assert server.request_headers[0]["authorization"] == "Bearer sk-test"


async def test_exhaustion_responder_and_default() -> None:
    seen: list[int] = []

    def responder(request: dict[str, Any]) -> Turn:
        seen.append(len(request["messages"]))
        return Turn(content=f"echo {len(request['messages'])}")

    with ScriptedLLMServer([Turn(content="scripted")], responder=responder) as srv:
        assert (await _call(srv)).choices[0].message.content == "scripted"
        assert (await _call(srv)).choices[0].message.content == "echo 1"
        assert seen == [1]

    with ScriptedLLMServer(default=Turn(content="fallback")) as srv:
        assert (await _call(srv)).choices[0].message.content == "fallback"
        assert (await _call(srv)).choices[0].message.content == "fallback"

    with ScriptedLLMServer() as srv, pytest.raises(litellm.InternalServerError, match="exhausted"):
        await _call(srv)


def test_raw_http_shapes(server: ScriptedLLMServer) -> None:
    server.add(Turn(content="x", usage=None), Turn(status=429, error_code="rate_limit_exceeded"))
    base = server.url.removesuffix("/v1")
    status, body = _post(f"{base}/chat/completions", {"model": "m", "messages": []})
    assert status == 200
    assert body["object"] == "chat.completion"
    assert "usage" not in body
    status, body = _post(f"{server.url}/chat/completions", {"model": "m", "messages": []})
    assert status == 429
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert body["error"]["type"] == "rate_limit_error"
    status, body = _post(f"{server.url}/nope", {})
    assert status == 404
    with urllib.request.urlopen(f"{server.url}/models", timeout=5) as resp:
        assert len(json.loads(resp.read())["data"]) == 1


def test_an_answered_request_is_no_longer_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client that has its answer finds its request counted out, however late the server's
    thread runs after the answer's last byte: one client asking twice in turn peaks at one
    (counted until the thread ended, two runs of a load bench read as three, issue 63)."""
    stalled = threading.Event()
    answer = _Handler._answer

    def answer_then_stall(handler: _Handler, request: dict[str, Any], turn: Turn) -> None:
        answer(handler, request, turn)
        stalled.wait(5)  # the thread descheduled after the answer, as on a loaded machine

    monkeypatch.setattr(_Handler, "_answer", answer_then_stall)
    with ScriptedLLMServer(default=Turn(content="ok")) as srv:
        chat = f"{srv.url}/chat/completions"
        try:
            for _ in range(2):
                assert _post(chat, {"model": "m", "messages": []})[0] == 200
            assert (srv.in_flight, srv.peak_in_flight) == (0, 1)
        finally:
            stalled.set()


def test_delay_and_stop_is_fast() -> None:
    srv = ScriptedLLMServer([Turn(content="slow", delay=0.05)]).start()
    try:
        start = time.monotonic()
        status, _ = _post(f"{srv.url}/chat/completions", {"model": "m", "messages": []})
        assert status == 200
        assert time.monotonic() - start >= 0.05
    finally:
        srv.stop()
    srv.stop()  # idempotent


def test_a_kept_alive_server_answers_a_client_over_one_connection() -> None:
    """`keep_alive`: a plain and a streamed answer come whole over one connection (as from a
    provider), and the server stops while that connection is still open."""
    import http.client

    srv = ScriptedLLMServer(default=Turn(content="ok"), keep_alive=True).start()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        for stream in (False, True, False):
            body = json.dumps({"model": "m", "messages": [], "stream": stream})
            conn.request("POST", "/v1/chat/completions", body=body)
            answer = conn.getresponse()
            assert answer.status == 200
            assert answer.getheader("Connection") is None
            assert (b"[DONE]" in answer.read()) is stream
        assert len(srv.requests) == 3
        assert conn.sock is not None  # the same socket all along: never closed by the server
        start = time.monotonic()
        srv.stop()
        assert time.monotonic() - start < 5
    finally:
        conn.close()
        srv.stop()


async def test_chat_litellm_over_http(server: ScriptedLLMServer) -> None:
    from langchain_litellm import ChatLiteLLM

    server.add(
        Turn(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}]),
        Turn(content="It is sunny."),
    )
    llm = ChatLiteLLM(
        model=MODEL, api_base=server.url, api_key="sk-test", model_kwargs={"max_retries": 0}
    )
    first = await llm.bind_tools([WEATHER_TOOL]).ainvoke("weather in Oslo?")
    assert first.tool_calls[0]["name"] == "get_weather"
    assert first.tool_calls[0]["args"] == {"city": "Oslo"}
    chunks = [c async for c in llm.astream("and now?")]
    assert "".join(str(c.content) for c in chunks) == "It is sunny."
    assert server.requests[1]["stream"] is True


def test_load_script_forms(tmp_path: Path) -> None:
    as_list = tmp_path / "list.json"
    as_list.write_text(json.dumps([{"content": "a"}, {"status": 429}]))
    turns, default = load_script(as_list)
    assert [t.content for t in turns] == ["a", ""] and turns[1].status == 429
    assert default is None
    as_obj = tmp_path / "obj.json"
    as_obj.write_text(json.dumps({"turns": [{"content": "a"}], "default": {"content": "d"}}))
    turns, default = load_script(as_obj)
    assert len(turns) == 1 and default == Turn(content="d")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"contnet": "typo"}]))
    with pytest.raises(ValueError, match="contnet"):
        load_script(bad)


def test_cli_subprocess(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"turns": [{"content": "from cli"}], "default": {"content": "d"}}))
    port_file, log = tmp_path / "port", tmp_path / "log.jsonl"
    cmd = [sys.executable, "-m", "tests.fakes.llm_server", "--script", str(script)]
    cmd += ["--port-file", str(port_file), "--log", str(log)]
    proc = subprocess.Popen(cmd, cwd=ROOT)
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists():
            assert proc.poll() is None, "server process exited early"
            assert time.monotonic() < deadline, "port file never appeared"
            time.sleep(0.02)
        url = f"http://127.0.0.1:{int(port_file.read_text())}/v1"
        for expected in ("from cli", "d"):
            resp = litellm.completion(
                model=MODEL, api_base=url, api_key="sk-test", messages=MESSAGES, max_retries=0
            )
            assert resp.choices[0].message.content == expected
        lines = log.read_text().splitlines()
        assert len(lines) == 2
        assert json.loads(lines[0])["messages"] == MESSAGES
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
