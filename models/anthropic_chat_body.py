"""The JSON body of a plain Anthropic Messages request, as ChatLiteLLM and litellm build it.

A plain request is what a launch's first request and a tool loop's steps are: one leading
system prompt, text messages, tool calls and their text results, ml-intern's own tool
schemas, the profile's cache markers (after the system prompt and on the last history
message), no reasoning effort. For it this module builds the body litellm's Anthropic
transform builds (langchain-litellm's message dicts: models/openai_chat_plain.py; litellm's
cache-marker injection, its message merge, its tool mapping, its default `max_tokens` from
its own model list), so litellm need not be imported. Anything else returns None and the
request goes to ChatLiteLLM (models/anthropic_chat.py). tests/models/test_anthropic_chat.py
holds both ways equal on the same inputs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from models.message_memo import PerMessage
from models.openai_chat_plain import plain_message, plain_messages

# What a call may set on this path (the rest, e.g. `reasoning_effort`, goes to ChatLiteLLM).
CALL_PARAMS = frozenset({"tools", "tool_choice", "max_tokens", "temperature", "stop", "api_key"})
# litellm's `AnthropicInputSchema` keys (what it keeps of a tool's parameters).
_SCHEMA_KEYS = frozenset(
    {"type", "properties", "additionalProperties", "required", "$defs", "strict"}
)
# The extras langchain-litellm reads from a message (0.11.1; `tool_calls` is sent as the
# message's own calls): a message carrying one goes through ChatLiteLLM.
THEIRS = frozenset(
    {
        "annotations",
        "function_call",
        "name",
        "provider_specific_fields",
        "reasoning_content",
        "reasoning_items",
        "thinking_blocks",
    }
)
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_EPHEMERAL = {"type": "ephemeral"}
# What litellm sends for an empty user or assistant message (its words, not ours: the
# model saw them through litellm before).
EMPTY_TEXT = "[System: Empty message content sanitised to satisfy protocol]"


def request_body(
    model: str,
    messages: Sequence[BaseMessage],
    params: Mapping[str, Any],
    cache_points: Sequence[Mapping[str, Any]],
    max_tokens: int,
) -> dict[str, Any] | None:
    """The streamed body litellm sends for `messages` and `params` (tools in OpenAI's shape,
    as bound), or None when the request is not plain."""
    if set(params) - CALL_PARAMS or params.get("stop") is not None:
        return None
    if params.get("tool_choice") is not None or not _plain_extras(messages):
        return None
    dicts = plain_messages(messages)
    if dicts is None:
        return None
    tools = anthropic_tools(params.get("tools"))
    if tools is None or (not tools and _has_tool_blocks(dicts)):
        return None
    marks = _cache_marks(dicts, cache_points)
    if marks is None:
        return None
    lead = _leading_system(dicts)
    system = _system(dicts[:lead], marks[:lead]) if lead else None
    sent = _conversation(messages[lead:], dicts[lead:], marks[lead:])
    if sent is None or (system is not None and not system):
        return None
    body: dict[str, Any] = {"model": model, "messages": sent}
    if tools:
        body["tools"] = tools
    if params.get("max_tokens") is not None:
        body["max_tokens"] = params["max_tokens"]
    if params.get("temperature") is not None:
        body["temperature"] = params["temperature"]
    if system is not None:
        body["system"] = system
    body.setdefault("max_tokens", max_tokens)
    return {**body, "stream": True}


def _plain_extras(messages: Sequence[BaseMessage]) -> bool:
    """No field langchain-litellm reads from a message's extras other than its tool calls
    (thinking blocks, reasoning, names...); ml-intern's own marks it ignores."""
    return not any(THEIRS.intersection(m.additional_kwargs) for m in messages)


def _has_tool_blocks(dicts: Sequence[Mapping[str, Any]]) -> bool:
    return any(d.get("tool_calls") or d["role"] == "tool" for d in dicts)


# id(tools) -> (tools, Anthropic's tools or None): a bound model sends the same list every
# request; the list is kept so its id is not reused.
_mapped: dict[int, tuple[Any, list[dict[str, Any]] | None]] = {}


def anthropic_tools(tools: Any) -> list[dict[str, Any]] | None:
    """The OpenAI-shaped tools as litellm maps them for Anthropic, or None when a tool is
    not one it sends as it is (a name it rewrites, a schema it reshapes, a hosted tool)."""
    if not tools:
        return []
    known = _mapped.get(id(tools))
    if known is not None and known[0] is tools:
        return known[1]
    if len(_mapped) >= 256:
        _mapped.clear()
    mapped: list[dict[str, Any]] | None = []
    for tool in tools:
        one = _tool(tool)
        if one is None:
            mapped = None
            break
        mapped.append(one)
    _mapped[id(tools)] = (tools, mapped)
    return mapped


def _tool(tool: Any) -> dict[str, Any] | None:
    if not isinstance(tool, Mapping) or set(tool) != {"type", "function"}:
        return None
    function = tool["function"]
    if tool["type"] != "function" or not isinstance(function, Mapping):
        return None
    if set(function) - {"name", "description", "parameters"}:
        return None
    name, schema = function.get("name"), function.get("parameters")
    if not isinstance(name, str) or not _TOOL_NAME.match(name) or not isinstance(schema, dict):
        return None
    if schema.get("type") != "object" or "properties" not in schema or set(schema) - _SCHEMA_KEYS:
        return None
    if "$defs" in schema or "$ref" in json.dumps(schema):  # litellm inlines references
        return None
    mapped: dict[str, Any] = {"name": name, "input_schema": dict(schema), "type": "custom"}
    if function.get("description") is not None:
        mapped["description"] = function["description"]
    return mapped


def _cache_marks(
    dicts: list[dict[str, Any]], points: Sequence[Mapping[str, Any]]
) -> list[dict[str, str] | None] | None:
    """litellm's cache-marker injection: the marker each message gets (a message two points
    name is marked once), None for every message it leaves alone; None for a point it would
    read otherwise."""
    marks: list[dict[str, str] | None] = [None] * len(dicts)
    for point in points:
        if set(point) - {"location", "role", "index"} or point.get("location") != "message":
            return None
        if "index" in point:
            index = point["index"]
            if not isinstance(index, int):
                return None
            index += len(marks) if index < 0 else 0
            targets = [index] if 0 <= index < len(marks) else []
        else:
            targets = [i for i, d in enumerate(dicts) if d["role"] == point.get("role")]
        for i in targets:
            marks[i] = marks[i] or dict(_EPHEMERAL)
    if sum(mark is not None for mark in marks) > 4:
        return None
    return marks


def _leading_system(dicts: Sequence[Mapping[str, Any]]) -> int:
    lead = 0
    while lead < len(dicts) and dicts[lead]["role"] == "system":
        lead += 1
    return lead


def _system(
    dicts: Sequence[Mapping[str, Any]], marks: Sequence[dict[str, str] | None]
) -> list[dict[str, Any]]:
    """The leading system run as Anthropic's system blocks ([] for one litellm would
    reshape)."""
    blocks = []
    for message, mark in zip(dicts, marks, strict=True):
        if not message["content"] or set(message) - {"role", "content"}:
            return []
        block = {"type": "text", "text": message["content"]}
        blocks.append({**block, "cache_control": mark} if mark else block)
    return blocks


def _conversation(
    messages: Sequence[BaseMessage],
    dicts: Sequence[Mapping[str, Any]],
    marks: Sequence[dict[str, str] | None],
) -> list[dict[str, Any]] | None:
    """litellm's `anthropic_messages_pt` for plain messages: user and tool messages merged
    into one user turn, each assistant message a turn of its text and tool calls."""
    if not dicts or dicts[0]["role"] != "user":
        return None
    turns: list[dict[str, Any]] = []
    for message, converted, mark in zip(messages, dicts, marks, strict=True):
        role = "assistant" if converted["role"] == "assistant" else "user"
        if converted["role"] == "system":
            return None
        blocks = _blocks_of(message)
        if blocks is None:
            return None
        if mark:  # on its text block, as litellm marks it (a copy: the blocks are shared)
            blocks = [{**blocks[0], "cache_control": mark}, *blocks[1:]]
        if turns and turns[-1]["role"] == role:
            if role == "assistant":
                return None
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": list(blocks)})
    if turns[-1]["role"] == "assistant":
        return None  # litellm strips a final assistant turn's trailing space: its to build
    return turns


def _blocks(message: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """A plain message's content blocks, unmarked (`_conversation` marks the first)."""
    text = message["content"]
    if message["role"] == "tool":
        if not text.strip():
            return None
        return [{"type": "tool_result", "tool_use_id": message["tool_call_id"], "content": text}]
    if not text.strip():  # litellm's `_sanitize_empty_text_content`
        text = EMPTY_TEXT
    if message["role"] == "user":
        return [{"type": "text", "text": text}]
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}]
    for call in message.get("tool_calls") or []:
        arguments = json.loads(call["function"]["arguments"])
        if not isinstance(arguments, dict) or not call["id"]:
            return None
        name = call["function"]["name"]
        blocks.append({"type": "tool_use", "id": call["id"], "name": name, "input": arguments})
    return blocks


# A history message's blocks, made once per message (models/message_memo.py): shared from
# one request to the next, never changed in place.
_blocks_of = PerMessage(lambda message: _blocks(plain_message(message)))
