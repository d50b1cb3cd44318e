"""The JSON body of an OpenAI-compatible streamed chat request, as ChatLiteLLM and litellm build it.

The messages go through langchain-litellm's own conversion and litellm's own OpenAI request
transform (image blocks, tool-message images, cache markers on api.openai.com, the tools'
regex patterns), so the bytes a server receives are the ones it received through litellm;
only litellm's call path around them (its parameters, logging object, the SDK's request and
its pydantic chunks) is left out. Plain messages and tools (models/openai_chat_plain.py)
need neither, so litellm is imported only for the rest: a launch's first request goes
without it. The body is encoded by orjson when that gives the standard
encoder's bytes (compat/openai_sdk.py `plain_json`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

from langchain_core.messages import BaseMessage

from compat.litellm import openai_messages
from compat.openai_sdk import plain_json
from models.openai_chat_plain import plain_messages, sent_as_is

# What a call may set (ChatLiteLLM's fields and the kwargs ml-intern passes at invoke time),
# sent when not None, in the order litellm's optional parameters come.
SENT_PARAMS = ("tools", "tool_choice", "max_tokens", "reasoning_effort", "temperature")
CALL_PARAMS = frozenset({*SENT_PARAMS, "extra_body", "api_key", "stop"})


def openai_hosted(api_base: str) -> bool:
    """api.openai.com and its kin: litellm strips cache markers and flattens tool schemas there."""
    host = urlparse(api_base).hostname
    return host is None or host == "openai.com" or host.endswith(".openai.com")


def served_tools(tools: Sequence[Mapping[str, Any]], api_base: str) -> list[dict[str, Any]]:
    """The tools as litellm sends them to `api_base` (regex patterns Python cannot compile
    dropped; on api.openai.com top-level combinators flattened too), walked once per bind."""
    hosted = openai_hosted(api_base)
    if all(sent_as_is(tool, hosted) for tool in tools):
        return [dict(tool) for tool in tools]
    from litellm.litellm_core_utils.prompt_templates.common_utils import (
        drop_non_python_regex_patterns,
        filter_value_from_dict,
        flatten_combinators_and_drop_non_python_regex_patterns,
        tool_with_sanitized_parameters,
    )

    sanitize = (
        flatten_combinators_and_drop_non_python_regex_patterns
        if hosted
        else drop_non_python_regex_patterns
    )
    served = [dict(tool_with_sanitized_parameters(dict(tool), sanitize)) for tool in tools]  # type: ignore[arg-type]
    return [filter_value_from_dict(t, "cache_control") for t in served] if hosted else served


def request_body(
    model: str,
    messages: Sequence[BaseMessage],
    params: Mapping[str, Any],
    api_base: str,
) -> dict[str, Any]:
    """The body for `messages` with `params` (tools already `served_tools`), streamed with
    usage, as litellm's OpenAI path sends it to `api_base`."""
    optional = {k: params[k] for k in SENT_PARAMS if params.get(k) is not None}
    optional |= {"stream": True, "stream_options": {"include_usage": True}}
    if params.get("stop") is not None:
        optional["stop"] = params["stop"]
    if not optional.get("tools"):  # an empty list is sent as it is, with no choice
        optional.pop("tool_choice", None)
    sent = plain_messages(messages)
    if sent is None:
        sent = _transformed(model, messages, openai_hosted(api_base))
    body = {"model": model, "messages": sent, **optional}
    return {**body, **(params.get("extra_body") or {})}


def _transformed(model: str, messages: Sequence[BaseMessage], hosted: bool) -> list[Any]:
    """langchain-litellm's conversion and litellm's own request transform; the tools are
    already sanitized, so its walk of them (remembered per schema, compat/litellm.py) is
    skipped here."""
    from langchain_litellm.chat_models.litellm import _convert_message_to_dict
    from litellm.llms.openai.chat.gpt_transformation import OpenAIGPTConfig

    config = OpenAIGPTConfig()
    dicts = [_convert_message_to_dict(m) for m in messages]
    sent = openai_messages(config, dicts, model)
    if hosted:
        sent, _ = config.remove_cache_control_flag_from_messages_and_tools(
            model=model, messages=sent, tools=None
        )
    return sent


def encoded(body: Mapping[str, Any]) -> bytes:
    """The body's bytes: orjson's when they equal the standard encoder's, else the latter's
    (what the openai SDK writes: compact, non-ASCII kept)."""
    import orjson

    rest = {k: v for k, v in body.items() if k != "tools"}
    if plain_json(rest) and _plain_tools(body.get("tools")):
        try:
            return orjson.dumps(body)
        except TypeError:  # a non-str key, an int past 64 bits
            pass
    from openai._utils._json import openapi_dumps

    return openapi_dumps(body)


# id(tools) -> (tools, plain JSON?): a bound model sends the same toolset object with every
# request, and walking its ~30 schemas was a fifth of a call's CPU. The list is kept so its
# id is not reused; served toolsets are built once per bind and never changed in place.
_toolsets: dict[int, tuple[Any, bool]] = {}


def _plain_tools(tools: Any) -> bool:
    known = _toolsets.get(id(tools))
    if known is not None and known[0] is tools:
        return known[1]
    if len(_toolsets) >= 256:
        _toolsets.clear()
    plain = plain_json(tools)
    _toolsets[id(tools)] = (tools, plain)
    return plain
