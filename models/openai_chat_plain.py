"""Messages and tools litellm would send as they are, recognized without importing litellm.

`import litellm` is most of a launch (seconds of CPU), and the first request of a thread is
plain: text messages, ml-intern's own tool schemas. For such a request langchain-litellm's
message conversion and litellm's OpenAI transform change nothing, so this module builds
their output itself and `models/openai_chat_body.py` imports litellm only for what is not
plain (a content list: images, files, cache markers; a legacy function call; a message
type of its own; a tool schema litellm would sanitize). tests/models/test_openai_chat_plain.py
holds both ways equal on the same inputs.

    >>> plain_messages([HumanMessage("hi")])
    [{'content': 'hi', 'role': 'user'}]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from models.message_memo import PerMessage

# litellm flattens these at the top of a tool's parameters for api.openai.com, and drops
# the rejected keys (`_TOP_LEVEL_SCHEMA_COMBINATORS`, `_OPENAI_REJECTED_TOP_LEVEL_SCHEMA_KEYS`).
_COMBINATORS = ("allOf", "anyOf", "oneOf")
_REJECTED_AT_TOP = ("enum", "const", "not")
_ROLES: tuple[tuple[type[BaseMessage], str], ...] = (
    (HumanMessage, "user"),
    (AIMessage, "assistant"),
    (SystemMessage, "system"),
    (ToolMessage, "tool"),
)


def plain_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]] | None:
    """The messages as litellm sends them when every one is plain (text content, no legacy
    function call), else None: litellm's own conversion is needed. Each message is converted
    once (models/message_memo.py): the dicts are shared, never to be changed in place."""
    dicts = []
    for message in messages:
        converted = plain_message(message)
        if converted is None:
            return None
        dicts.append(converted)
    return dicts


def _plain_message(message: BaseMessage) -> dict[str, Any] | None:
    """langchain-litellm's `_convert_message_to_dict` for a text message (litellm's transform
    then leaves it as it is: it rewrites content lists only)."""
    extra = message.additional_kwargs
    if not isinstance(message.content, str) or isinstance(message, ChatMessage):
        return None
    if "function_call" in extra or not all(
        isinstance(extra.get(k, ""), str) for k in ("name", "reasoning_content")
    ):
        return None
    role = next((role for kind, role in _ROLES if isinstance(message, kind)), None)
    if role is None:
        return None
    converted: dict[str, Any] = {"content": message.content, "role": role}
    if isinstance(message, AIMessage):
        if message.tool_calls:
            converted["tool_calls"] = [_tool_call(call) for call in message.tool_calls]
        elif "tool_calls" in extra and not message.invalid_tool_calls:
            return None  # the provider's own dicts: litellm's to read
        if "reasoning_content" in extra:
            converted["reasoning_content"] = extra["reasoning_content"]
    elif isinstance(message, ToolMessage):
        converted["tool_call_id"] = message.tool_call_id
    if "name" in extra:
        converted["name"] = extra["name"]
    return converted


# One message as `plain_messages` sends it (None: not plain), converted once per message.
plain_message = PerMessage(_plain_message)


def _tool_call(call: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "id": call["id"],
        "function": {"name": call["name"], "arguments": json.dumps(call["args"])},
    }


def sent_as_is(tool: Mapping[str, Any], hosted: bool) -> bool:
    """Whether litellm sends `tool` unchanged: every regex in it compiles in Python, and for
    api.openai.com (`hosted`) no cache marker anywhere and nothing at the top of its
    parameters that litellm flattens or drops. A walk of the whole tool, stricter than
    litellm's (which reads only schema positions): a doubt means litellm decides."""
    function = tool.get("function")
    parameters = function.get("parameters") if isinstance(function, Mapping) else None
    if hosted and isinstance(parameters, Mapping):
        if any(isinstance(parameters.get(c), list) for c in _COMBINATORS):
            return False
        if any(key in parameters for key in _REJECTED_AT_TOP):
            return False
    try:
        return all(_node_as_is(node, hosted) for node in _dicts(tool))
    except _TooDeep:
        return False


def _node_as_is(node: Mapping[str, Any], hosted: bool) -> bool:
    if hosted and "cache_control" in node:
        return False
    pattern = node.get("pattern")
    if isinstance(pattern, str) and not _compiles(pattern):
        return False
    patterns = node.get("patternProperties")
    return not isinstance(patterns, Mapping) or all(
        not isinstance(name, str) or _compiles(name) for name in patterns
    )


class _TooDeep(Exception):
    """A tool nested past 1,024 levels (or cyclic): litellm's to walk."""


def _dicts(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every mapping in `value`, itself included, walked without recursion."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > 1024:
            raise _TooDeep
        if isinstance(item, Mapping):
            yield item
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except (re.error, RecursionError):
        return False
    return True
