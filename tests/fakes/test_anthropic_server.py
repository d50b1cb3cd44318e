"""Tests for the scripted Anthropic Messages fake, over raw HTTP and through real litellm."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import litellm
import pytest

from tests.fakes.anthropic_request import request_tokens
from tests.fakes.anthropic_server import (
    AnthropicTurn,
    ScriptedAnthropicServer,
    Turn,
    load_script,
    tool_results,
)
from tests.fakes.llm_server import ScriptedLLMServer

MODEL = "anthropic/claude-sonnet-4-5-20250929"
KEY = "sk-ant-test-key"
ROOT = Path(__file__).resolve().parents[2]
MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "hello"}]
WEATHER = {
    "name": "get_weather",
    "description": "Weather for a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": WEATHER["name"],
        "description": WEATHER["description"],
        "parameters": WEATHER["input_schema"],
    },
}
PARIS = {"name": "get_weather", "id": "toolu_paris", "arguments": {"city": "Paris"}}


@pytest.fixture
def server() -> Iterator[ScriptedAnthropicServer]:
    with ScriptedAnthropicServer(api_key=KEY) as srv:
        yield srv


async def _call(srv: ScriptedAnthropicServer, **kwargs: Any) -> Any:
    """litellm.acompletion against the fake, every retry layer off."""
    params = {"model": MODEL, "api_base": srv.url, "api_key": KEY, "messages": MESSAGES}
    return await litellm.acompletion(**{**params, "num_retries": 0, "max_retries": 0, **kwargs})


def _post(
    srv: ScriptedAnthropicServer, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    """One raw POST /v1/messages: status, headers, and the JSON body or the SSE events."""
    sent = {"x-api-key": KEY, "anthropic-version": "2023-06-01", **(headers or {})}
    body = {"model": "claude-test", "max_tokens": 64, "messages": MESSAGES, **body}
    req = urllib.request.Request(
        f"{srv.url}/v1/messages", data=json.dumps(body).encode(), headers=sent
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            status, got, raw = resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as exc:
        status, got, raw = exc.code, dict(exc.headers), exc.read().decode()
    got = {k.lower(): v for k, v in got.items()}
    if not got.get("content-type", "").startswith("text/event-stream"):
        return status, got, json.loads(raw)
    events = []
    for chunk in filter(None, raw.split("\n\n")):
        name, data = chunk.split("\n")
        event = json.loads(data.removeprefix("data: "))
        assert name == f"event: {event['type']}"
        events.append(event)
    return status, got, events


async def test_text_answer(server: ScriptedAnthropicServer) -> None:
    server.add(Turn(content="Hello there!"))
    resp = await _call(server)
    assert resp.choices[0].message.content == "Hello there!"
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage.prompt_tokens == request_tokens(server.requests[0]) > 0
    assert resp.usage.completion_tokens == len("Hello there!") // 4
    assert server.request_headers[0]["x-api-key"] == KEY
    assert server.requests[0]["model"] == "claude-sonnet-4-5-20250929"


async def test_tool_call_answer_and_its_result_in_the_next_request(
    server: ScriptedAnthropicServer,
) -> None:
    server.add(Turn(content="Checking.", tool_calls=[PARIS]), Turn(content="Sunny."))
    resp = await _call(server, tools=[WEATHER_TOOL])
    message = resp.choices[0].message
    assert resp.choices[0].finish_reason == "tool_calls" and message.content == "Checking."
    assert message.tool_calls[0].id == "toolu_paris"
    assert json.loads(message.tool_calls[0].function.arguments) == {"city": "Paris"}
    result = {"role": "tool", "tool_call_id": "toolu_paris", "content": "22C and sunny"}
    history = [*MESSAGES, message.model_dump(), result]
    await _call(server, tools=[WEATHER_TOOL], messages=history)
    assert tool_results(server.requests[1]) == {"toolu_paris": "22C and sunny"}
    assert server.requests[1]["tools"][0]["input_schema"] == WEATHER["input_schema"]


async def test_streaming_text_and_tool_call_through_litellm(
    server: ScriptedAnthropicServer,
) -> None:
    server.add(Turn(content="Let me check the weather.", tool_calls=[PARIS]))
    stream = await _call(server, tools=[WEATHER_TOOL], stream=True)
    chunks = [chunk async for chunk in stream]
    built = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    assert built is not None
    assert built.choices[0].message.content == "Let me check the weather."
    assert built.choices[0].finish_reason == "tool_calls"
    call = built.choices[0].message.tool_calls[0]
    assert call.id == "toolu_paris" and json.loads(call.function.arguments) == {"city": "Paris"}
    assert built.usage.completion_tokens == server.usages[0]["output_tokens"]
    assert built.usage.prompt_tokens == request_tokens(server.requests[0])


def test_sse_events_come_in_anthropic_order(server: ScriptedAnthropicServer) -> None:
    server.add(Turn(content="Checking.", tool_calls=[PARIS]))
    status, headers, events = _post(server, {"stream": True, "tools": [WEATHER]})
    assert status == 200 and headers["request-id"].startswith("req_")
    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["message_start", "content_block_start", "ping"]
    assert kinds[-2:] == ["message_delta", "message_stop"]
    start = events[0]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    assert set(start["usage"]) == {
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
    }
    blocks = [e["content_block"] for e in events if e["type"] == "content_block_start"]
    assert blocks == [
        {"type": "text", "text": ""},
        {"type": "tool_use", "id": "toolu_paris", "name": "get_weather", "input": {}},
    ]
    deltas = [e["delta"] for e in events if e["type"] == "content_block_delta"]
    assert "".join(d.get("text", "") for d in deltas) == "Checking."
    assert json.loads("".join(d.get("partial_json", "") for d in deltas)) == {"city": "Paris"}
    assert kinds.count("content_block_stop") == 2
    assert events[-2]["delta"]["stop_reason"] == "tool_use"
    assert events[-2]["usage"] == {"output_tokens": 2 + 10}


def test_plain_message_shape_and_finish_reason_names(server: ScriptedAnthropicServer) -> None:
    server.add(Turn(content="cut", finish_reason="length", usage=None))
    status, headers, body = _post(server, {})
    assert status == 200 and headers["content-type"] == "application/json"
    assert body["type"] == "message" and body["role"] == "assistant"
    assert body["content"] == [{"type": "text", "text": "cut"}]
    assert body["stop_reason"] == "max_tokens" and "usage" not in body


async def test_litellm_cache_injection_points_reach_the_cache(
    server: ScriptedAnthropicServer,
) -> None:
    """What a caller gets by asking litellm for breakpoints on the system prompt and history."""
    server.default = Turn(content="ok")
    points = [{"location": "message", "role": "system"}, {"location": "message", "index": -1}]
    messages = [{"role": "system", "content": "Be brief. " * 50}, *MESSAGES]
    await _call(server, messages=messages, cache_control_injection_points=points)
    again = await _call(server, messages=messages, cache_control_injection_points=points)
    assert server.requests[0]["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert again.usage.prompt_tokens_details.cached_tokens == request_tokens(server.requests[1])
    assert again.usage.prompt_tokens == request_tokens(server.requests[1])


def test_keys_and_version_are_checked(server: ScriptedAnthropicServer) -> None:
    server.default = Turn(content="ok")
    status, _, body = _post(server, {}, {"x-api-key": "sk-ant-wrong"})
    assert (status, body) == (
        401,
        {
            "type": "error",
            "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        },
    )
    status, _, body = _post(server, {}, {"x-api-key": ""})
    assert status == 401 and "x-api-key header is required" in body["error"]["message"]
    status, _, body = _post(server, {}, {"anthropic-version": ""})
    assert status == 400 and body["error"]["type"] == "invalid_request_error"
    assert _post(server, {}, {"x-api-key": "", "authorization": f"Bearer {KEY}"})[0] == 200
    assert len(server.requests) == 4 and server.usages == [server.usages[0]]


async def test_a_wrong_key_is_litellms_authentication_error(
    server: ScriptedAnthropicServer,
) -> None:
    server.add(Turn(content="unused"))
    with pytest.raises(litellm.AuthenticationError, match="invalid x-api-key"):
        await _call(server, api_key="sk-ant-wrong")
    assert server.remaining == 1  # refused before the script was consulted


@pytest.mark.parametrize(
    ("turn", "error", "text"),
    [
        (Turn(status=429), litellm.RateLimitError, "per-minute rate limit"),
        (Turn(status=529), litellm.InternalServerError, "Overloaded"),
        (Turn(status=500), litellm.InternalServerError, "Internal server error"),
        (
            Turn(status=400, error_code="context_length_exceeded"),
            litellm.ContextWindowExceededError,
            "prompt is too long: 200001 tokens > 200000 maximum",
        ),
        (Turn(status=401), litellm.AuthenticationError, "invalid x-api-key"),
    ],
    ids=["429", "529", "500", "too-long", "401"],
)
async def test_scripted_errors_map_to_litellms_exceptions(
    server: ScriptedAnthropicServer, turn: Turn, error: type[Exception], text: str
) -> None:
    server.add(turn)
    with pytest.raises(error, match=text):
        await _call(server)


def test_error_bodies_and_retry_after(server: ScriptedAnthropicServer) -> None:
    server.add(Turn(status=429), Turn(status=429, headers={"Retry-After": "7"}), Turn(status=529))
    status, headers, body = _post(server, {})
    assert status == 429 and headers["retry-after"] == "1"
    assert body["type"] == "error" and body["error"]["type"] == "rate_limit_error"
    assert _post(server, {})[1]["retry-after"] == "7"
    status, _, body = _post(server, {})
    assert status == 529 and body["error"] == {"type": "overloaded_error", "message": "Overloaded"}


async def test_a_context_window_refuses_large_prompts_by_itself(
    server: ScriptedAnthropicServer,
) -> None:
    server.add(Turn(content="fits"))
    server.context_window = 5
    with pytest.raises(litellm.ContextWindowExceededError, match=r"tokens > 5 maximum"):
        await _call(server)
    assert server.remaining == 1
    server.context_window = 10_000
    assert (await _call(server)).choices[0].message.content == "fits"


async def test_stream_failures_raise(server: ScriptedAnthropicServer) -> None:
    server.add(
        AnthropicTurn(content="never", stream_error="overloaded_error"),
        Turn(content="this stream will be cut", cut_stream_after=4),
        AnthropicTurn(stream_error="overloaded_error"),
    )
    # litellm wraps both in MidStreamFallbackError, a ServiceUnavailableError.
    for shown in ("", "this str"):  # the cut comes after the first text delta
        stream = await _call(server, stream=True)
        received: list[str] = []
        with pytest.raises(litellm.ServiceUnavailableError):
            async for chunk in stream:
                received.append(chunk.choices[0].delta.content or "")
        assert "".join(received) == shown
    _, _, events = _post(server, {"stream": True})
    assert [e["type"] for e in events] == ["message_start", "error"]
    assert events[1]["error"] == {"type": "overloaded_error", "message": "Overloaded"}


def test_malformed_histories_are_refused(server: ScriptedAnthropicServer) -> None:
    stray = {"type": "tool_result", "tool_use_id": "toolu_b", "content": "x"}
    status, _, body = _post(server, {"messages": [{"role": "user", "content": [stray]}]})
    assert status == 400 and "unexpected `tool_use_id`" in body["error"]["message"]
    assert server.usages == [] and len(server.requests) == 1


def test_usage_comes_from_the_prompt_cache(server: ScriptedAnthropicServer) -> None:
    server.default = Turn(content="ok")
    system = [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}]
    first = _post(server, {"system": system})[2]["usage"]
    second = _post(server, {"system": system})[2]["usage"]
    assert first["cache_creation_input_tokens"] == second["cache_read_input_tokens"] > 0
    assert server.usages == [first, second]


def test_malformed_tool_input_is_streamed_verbatim(server: ScriptedAnthropicServer) -> None:
    bad = {"name": "get_weather", "id": "toolu_bad", "arguments": '{"city": "Par'}
    server.add(Turn(tool_calls=[bad]), Turn(tool_calls=[bad]))
    _, _, events = _post(server, {"stream": True})
    partial = [e["delta"]["partial_json"] for e in events if e["type"] == "content_block_delta"]
    assert "".join(partial) == '{"city": "Par'
    status, _, body = _post(server, {})
    assert status == 500 and "not JSON" in body["error"]["message"]


@pytest.mark.parametrize(
    ("fake", "model"),
    [(ScriptedLLMServer, "openai/fake-model"), (ScriptedAnthropicServer, MODEL)],
    ids=["openai", "anthropic"],
)
async def test_one_script_plays_on_either_server(fake: type[ScriptedLLMServer], model: str) -> None:
    script = [Turn(tool_calls=[PARIS]), Turn(content="Sunny in Paris.")]
    with fake(script) as srv:
        params = {"model": model, "api_base": srv.url, "api_key": KEY, "max_retries": 0}
        first = await litellm.acompletion(messages=MESSAGES, tools=[WEATHER_TOOL], **params)
        call = first.choices[0].message.tool_calls[0]
        result = {"role": "tool", "tool_call_id": call.id, "content": "22C"}
        history = [*MESSAGES, first.choices[0].message.model_dump(), result]
        second = await litellm.acompletion(messages=history, tools=[WEATHER_TOOL], **params)
    assert (call.id, call.function.name) == ("toolu_paris", "get_weather")
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert second.choices[0].message.content == "Sunny in Paris."
    assert len(srv.requests) == 2


async def test_exhaustion_responder_and_default() -> None:
    with ScriptedAnthropicServer(
        responder=lambda r: Turn(content=f"echo {len(r['messages'])}")
    ) as srv:
        assert (await _call(srv)).choices[0].message.content == "echo 1"
    with ScriptedAnthropicServer(default=Turn(content="fallback")) as srv:
        assert (await _call(srv)).choices[0].message.content == "fallback"
    with (
        ScriptedAnthropicServer() as srv,
        pytest.raises(litellm.InternalServerError, match="exhausted"),
    ):
        await _call(srv)


def test_script_file_and_process(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(
        json.dumps(
            {"turns": [{"content": "from cli", "stream_error": None}], "default": {"content": "d"}}
        )
    )
    turns, default = load_script(script)
    assert isinstance(turns[0], AnthropicTurn) and default == AnthropicTurn(content="d")
    (tmp_path / "bad.json").write_text(json.dumps([{"contnet": "typo"}]))
    with pytest.raises(ValueError, match="contnet"):
        load_script(tmp_path / "bad.json")
    port_file, log = tmp_path / "port", tmp_path / "log.jsonl"
    cmd = [sys.executable, "-m", "tests.fakes.anthropic_server", "--script", str(script)]
    proc = subprocess.Popen(
        [*cmd, "--port-file", str(port_file), "--log", str(log), "--api-key", KEY], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 20
        while not port_file.exists():
            assert proc.poll() is None, "server process exited early"
            assert time.monotonic() < deadline, "port file never appeared"
            time.sleep(0.02)
        url = f"http://127.0.0.1:{int(port_file.read_text())}"
        for expected in ("from cli", "d"):
            resp = litellm.completion(
                model=MODEL, api_base=url, api_key=KEY, messages=MESSAGES, max_retries=0
            )
            assert resp.choices[0].message.content == expected
        assert len(log.read_text().splitlines()) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
