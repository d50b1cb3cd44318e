"""Tests for the Anthropic fake's reading of a request: its prompt cache and its refusals."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.fakes.anthropic_request import (
    PromptCache,
    RequestError,
    block_tokens,
    prompt_blocks,
    request_tokens,
    tool_results,
    validate,
)

MARK = {"cache_control": {"type": "ephemeral"}}
TOOL = {"name": "get_weather", "input_schema": {"type": "object"}}
SYSTEM = [{"type": "text", "text": "You are terse. " * 20, **MARK}]
HELLO = {"role": "user", "content": "hello"}
USE = {"type": "tool_use", "id": "toolu_a", "name": "get_weather", "input": {}}


def request(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {"model": "claude-test", "max_tokens": 64, "system": SYSTEM, "tools": [TOOL]}
    return {**body, "messages": list(messages) or [HELLO], **extra}


def tokens(body: dict[str, Any], upto: int | None = None) -> int:
    return sum(block_tokens(block) for block, _ in prompt_blocks(body)[:upto])


def user(text: str, *, marked: bool = False) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text, **(MARK if marked else {})}]}


def test_blocks_come_in_anthropic_order_without_their_markers() -> None:
    body = request(HELLO, {"role": "assistant", "content": [USE]})
    blocks = prompt_blocks({**body, "system": "plain"})
    assert [next(iter(b)) for b, _ in blocks] == ["tool", "system", "user", "assistant"]
    assert [mark for _, mark in blocks] == [False, False, False, False]
    assert [mark for _, mark in prompt_blocks(body)] == [False, True, False, False]
    assert "cache_control" not in str(prompt_blocks(body))
    assert request_tokens(body) == tokens(body) > 0


def test_a_breakpoint_writes_then_reads_its_prefix() -> None:
    cache = PromptCache()
    body = request()
    prefix = tokens(body, 2)  # the tool and the system block
    assert cache.account(body) == {
        "input_tokens": tokens(body) - prefix,
        "cache_creation_input_tokens": prefix,
        "cache_read_input_tokens": 0,
    }
    assert cache.account(body) == {
        "input_tokens": tokens(body) - prefix,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": prefix,
    }


def test_a_moving_breakpoint_reads_what_the_last_request_wrote() -> None:
    cache = PromptCache()
    first = request(HELLO, {"role": "assistant", "content": "ok"}, user("more", marked=True))
    usage = cache.account(first)
    assert usage["cache_creation_input_tokens"] == tokens(first) and usage["input_tokens"] == 0
    later = request(*first["messages"][:2], user("more"), {"role": "assistant", "content": "k"})
    later["messages"].append(user("again", marked=True))
    usage = cache.account(later)
    assert usage["cache_read_input_tokens"] == tokens(first)
    assert usage["cache_creation_input_tokens"] == tokens(later) - tokens(first)


def test_the_cache_expires_after_five_minutes_and_is_per_model() -> None:
    now = [0.0]
    cache = PromptCache(clock=lambda: now[0])
    cache.account(request())
    now[0] = 299.0
    assert cache.account(request())["cache_read_input_tokens"] > 0  # and refreshed
    assert cache.account(request(model="claude-other"))["cache_read_input_tokens"] == 0
    now[0] = 299.0 + 301.0
    usage = cache.account(request())
    assert usage["cache_read_input_tokens"] == 0 and usage["cache_creation_input_tokens"] > 0
    cache.clear()
    assert cache.account(request())["cache_read_input_tokens"] == 0


def test_tool_markers_top_level_marker_and_minimum_size() -> None:
    cache = PromptCache()
    tools_only = request(system="plain", tools=[{**TOOL, **MARK}])
    assert cache.account(tools_only)["cache_creation_input_tokens"] == tokens(tools_only, 1)
    automatic = request(system="plain", cache_control={"type": "ephemeral"})
    usage = cache.account(automatic)  # reads the tool the first request wrote
    assert usage["cache_read_input_tokens"] == tokens(tools_only, 1)
    assert usage["cache_creation_input_tokens"] == tokens(automatic) - tokens(tools_only, 1)
    unmarked = request(system="plain")
    assert cache.account(unmarked) == {
        "input_tokens": tokens(unmarked),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    assert PromptCache(min_tokens=10**6).account(request())["cache_creation_input_tokens"] == 0


def test_a_marker_inside_a_tool_result_is_a_breakpoint() -> None:
    result = {
        "type": "tool_result",
        "tool_use_id": "toolu_a",
        "content": [{"type": "text", "text": "22C", **MARK}],
    }
    body = request(
        HELLO,
        {"role": "assistant", "content": [USE]},
        {"role": "user", "content": [result]},
        system="plain",
    )
    assert [mark for _, mark in prompt_blocks(body)][-1] is True
    assert tool_results(body) == {"toolu_a": "22C"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            request(HELLO, {"role": "assistant", "content": [USE]}, HELLO),
            "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_a",
        ),
        (request(HELLO, {"role": "assistant", "content": [USE]}), "without `tool_result`"),
        (
            request(
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_b"}]}
            ),
            "unexpected `tool_use_id` found in `tool_result` blocks: toolu_b",
        ),
        (request({"role": "system", "content": "x"}), "messages.0.role"),
        ({**request(), "messages": []}, "at least one message"),
        ({**request(), "max_tokens": None}, "max_tokens"),
        ({**request(), "model": ""}, "model"),
        ({**request(), "system": 3}, "system"),
        (
            request(system=[{"type": "text", "text": str(i), **MARK} for i in range(5)]),
            "A maximum of 4 blocks with cache_control may be provided. Found 5.",
        ),
    ],
    ids=[
        "unanswered",
        "unanswered-last",
        "stray-result",
        "role",
        "empty",
        "max-tokens",
        "model",
        "system",
        "five-markers",
    ],
)
def test_what_the_api_refuses(body: dict[str, Any], message: str) -> None:
    with pytest.raises(RequestError, match=re.escape(message)) as info:
        validate(body)
    assert (info.value.status, info.value.kind) == (400, "invalid_request_error")


def test_what_the_api_accepts() -> None:
    result = {"type": "tool_result", "tool_use_id": "toolu_a", "content": "22C"}
    validate(
        request(
            HELLO, {"role": "assistant", "content": [USE]}, {"role": "user", "content": [result]}
        )
    )
    validate(request(HELLO, HELLO, system="plain"))  # consecutive user turns are merged by the API
