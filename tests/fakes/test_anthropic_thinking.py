"""The Anthropic fake's extended thinking: signed blocks out, the API's rules on the way back."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import litellm
import pytest

from tests.fakes.anthropic_request import RequestError, signature, validate
from tests.fakes.anthropic_server import ScriptedAnthropicServer, Turn
from tests.fakes.llm_server import ScriptedLLMServer

MODEL = "anthropic/claude-sonnet-4-5-20250929"
KEY = "sk-ant-test-key"
THINKING = {"type": "enabled", "budget_tokens": 2048}
CALL = {"name": "bash", "id": "toolu_1", "arguments": {"command": "ls"}}


@pytest.fixture
def server() -> Iterator[ScriptedAnthropicServer]:
    with ScriptedAnthropicServer(api_key=KEY) as srv:
        yield srv


def post(srv: ScriptedAnthropicServer, **body: Any) -> tuple[int, Any]:
    """One raw POST /v1/messages: the status and the JSON body (or the SSE events)."""
    body = {"model": "claude-test", "max_tokens": 4096, **body}
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    request = urllib.request.Request(
        f"{srv.url}/v1/messages", data=json.dumps(body).encode(), headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            status, raw = resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read().decode()
    if not body.get("stream"):
        return status, json.loads(raw)
    return status, [
        json.loads(c.split("\n")[1].removeprefix("data: ")) for c in raw.split("\n\n") if c
    ]


def tool_loop(first_block: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A user turn, an assistant tool call (after `first_block`), and its result."""
    use = {"type": "tool_use", "id": "toolu_1", "name": "bash", "input": {"command": "ls"}}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.txt"}
    return [
        {"role": "user", "content": "list"},
        {"role": "assistant", "content": [b for b in (first_block, use) if b]},
        {"role": "user", "content": [result]},
    ]


def test_a_thinking_block_comes_first_and_signed_only_when_thinking_is_enabled(
    server: ScriptedAnthropicServer,
) -> None:
    server.add(
        Turn(thinking="Look first.", tool_calls=[CALL]), Turn(thinking="unused", content="hi")
    )
    _, on = post(server, thinking=THINKING, messages=[{"role": "user", "content": "list"}])
    _, off = post(server, messages=[{"role": "user", "content": "hi"}])
    assert on["content"][0] == {
        "type": "thinking",
        "thinking": "Look first.",
        "signature": signature("Look first."),
    }
    assert [b["type"] for b in on["content"]] == ["thinking", "tool_use"]
    assert [b["type"] for b in off["content"]] == ["text"]


def test_a_streamed_thinking_block_ends_with_its_signature(server: ScriptedAnthropicServer) -> None:
    server.add(Turn(thinking="Look first.", content="Done."))
    _, events = post(
        server, stream=True, thinking=THINKING, messages=[{"role": "user", "content": "x"}]
    )
    starts = [e["content_block"]["type"] for e in events if e["type"] == "content_block_start"]
    deltas = [e["delta"] for e in events if e["type"] == "content_block_delta" and e["index"] == 0]
    assert starts == ["thinking", "text"]
    assert "".join(d.get("thinking", "") for d in deltas) == "Look first."
    assert [d["type"] for d in deltas][-1] == "signature_delta"
    assert deltas[-1]["signature"] == signature("Look first.")


@pytest.mark.parametrize(
    ("first_block", "refusal"),
    [
        (None, "Expected `thinking` or `redacted_thinking`, but found `tool_use`"),
        (
            {"type": "thinking", "thinking": "Edited.", "signature": signature("Look first.")},
            "Invalid `signature` in `thinking` block",
        ),
    ],
    ids=["missing", "edited"],
)
def test_a_tool_loop_without_its_own_thinking_is_refused_like_the_api(
    server: ScriptedAnthropicServer, first_block: dict[str, Any] | None, refusal: str
) -> None:
    status, body = post(server, thinking=THINKING, messages=tool_loop(first_block))
    assert status == 400 and body["error"]["type"] == "invalid_request_error"
    assert refusal in body["error"]["message"]
    assert server.remaining == 0  # refused before any scripted turn was used


def test_the_thinking_rules_validate_accepts_and_refuses() -> None:
    kept = {"type": "thinking", "thinking": "Look.", "signature": signature("Look.")}
    base = {"model": "m", "max_tokens": 4096, "thinking": THINKING}
    validate({**base, "messages": tool_loop(kept)})
    validate({**base, "messages": tool_loop({"type": "redacted_thinking", "data": "x"})})
    validate({"model": "m", "max_tokens": 64, "messages": tool_loop(None)})  # thinking off
    for bad, words in [
        ({**base, "max_tokens": 2048}, "must be greater than `thinking.budget_tokens`"),
        ({**base, "temperature": 0.2}, "`temperature` may only be set to 1"),
        ({**base, "thinking": {"type": "enabled", "budget_tokens": 10}}, "greater than or equal"),
    ]:
        with pytest.raises(RequestError, match=re.escape(words)):
            validate({**bad, "messages": [{"role": "user", "content": "x"}]})


async def test_litellm_sends_the_signed_block_back_when_it_is_kept(
    server: ScriptedAnthropicServer,
) -> None:
    server.add(Turn(thinking="Look first.", tool_calls=[CALL]), Turn(content="a.txt is there"))
    params = {"model": MODEL, "api_base": server.url, "api_key": KEY, "num_retries": 0}
    user = {"role": "user", "content": "list"}
    first = await litellm.acompletion(**params, messages=[user], reasoning_effort="low")
    message = first.choices[0].message
    assert message.reasoning_content == "Look first."
    assert message.content in (None, "")  # the thinking is not the answer
    turn = {
        "role": "assistant",
        "content": None,
        "tool_calls": [c.model_dump() for c in message.tool_calls],
        "thinking_blocks": message.thinking_blocks,
    }
    result = {"role": "tool", "tool_call_id": "toolu_1", "content": "a.txt"}
    tools = [{"type": "function", "function": {"name": "bash", "parameters": {"type": "object"}}}]
    second = await litellm.acompletion(
        **params, messages=[user, turn, result], reasoning_effort="low", tools=tools
    )
    assert second.choices[0].message.content == "a.txt is there"
    sent = server.requests[1]["messages"][1]["content"][0]
    assert sent == {
        "type": "thinking",
        "thinking": "Look first.",
        "signature": signature("Look first."),
    }


def test_the_openai_fake_sends_thinking_as_reasoning_content() -> None:
    with ScriptedLLMServer([Turn(thinking="Hmm.", content="Hi.")]) as srv:
        response = litellm.completion(
            model="openai/scripted-model", api_base=srv.url, api_key="sk-test",
            messages=[{"role": "user", "content": "hi"}],
        )  # fmt: skip
    assert response.choices[0].message.reasoning_content == "Hmm."
    assert response.choices[0].message.content == "Hi."
