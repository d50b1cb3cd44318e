"""Plain requests built without litellm, against litellm's own conversion of the same inputs:
the messages, the tools and the config litellm picks for a model name."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from configs.model_profile import _price_list
from configs.settings import Settings
from models.openai_chat_body import _transformed, request_body, served_tools
from models.openai_chat_plain import plain_messages, sent_as_is
from models.own_paths import openai_config
from tools.families import build_catalog

BASES = ("https://api.openai.com/v1", "http://127.0.0.1:8080/v1")
CALL = {"name": "read", "args": {"path": "é.py", "n": [1, None]}, "id": "call_1"}
PLAIN: dict[str, list[BaseMessage]] = {
    "a first request": [SystemMessage("You are ml-intern."), HumanMessage("hi")],
    "a tool round": [
        SystemMessage("s"),
        HumanMessage("read it"),
        AIMessage("", tool_calls=[CALL, {**CALL, "id": "call_2", "args": {}}]),
        ToolMessage("print('hi')  # é", tool_call_id="call_1"),
        ToolMessage("failed", tool_call_id="call_2", status="error"),
        AIMessage("done"),
    ],
    "reasoning and names": [
        HumanMessage("x", additional_kwargs={"name": "ada"}),
        AIMessage("y", additional_kwargs={"reasoning_content": "think", "name": "bot"}),
        AIMessageChunk(content="z", tool_calls=[CALL]),
    ],
    "an unparsed call beside its raw form": [
        AIMessage(
            "",
            invalid_tool_calls=[{"name": "bash", "args": "{x", "id": "c", "error": None}],
            additional_kwargs={"tool_calls": [{"id": "c", "type": "function"}]},
        ),
    ],
    "cache_control as text": [HumanMessage('{"cache_control": {"type": "ephemeral"}}')],
}
NOT_PLAIN: dict[str, list[BaseMessage]] = {
    "an image": [
        HumanMessage(
            [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}},
            ]
        )
    ],
    "a cache marker": [
        HumanMessage([{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}])
    ],
    "a tool's image": [
        AIMessage("", tool_calls=[CALL]),
        ToolMessage(
            [{"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}}],
            tool_call_id="call_1",
        ),
    ],
    "a legacy function call": [
        AIMessage("", additional_kwargs={"function_call": {"name": "f", "arguments": "{}"}})
    ],
    "the provider's own call dicts": [
        AIMessage("", additional_kwargs={"tool_calls": [{"id": "c", "type": "function"}]})
    ],
    "a chat message": [ChatMessage("hi", role="developer")],
    "a function message": [FunctionMessage("42", name="f")],
    "reasoning as blocks": [AIMessage("", additional_kwargs={"reasoning_content": [{"a": 1}]})],
}


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("name", list(PLAIN))
def test_plain_messages_are_the_ones_litellm_sends(name: str, base: str) -> None:
    messages = PLAIN[name]
    ours = plain_messages(messages)
    assert ours is not None  # not vacuous: built here, without litellm
    hosted = base.startswith("https://api.openai.com")
    assert ours == _transformed("m", copy.deepcopy(messages), hosted)
    theirs_bytes = json.dumps(_transformed("m", copy.deepcopy(messages), hosted))
    assert json.dumps(ours) == theirs_bytes  # the same keys in the same order


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("name", list(NOT_PLAIN))
def test_what_is_not_plain_goes_through_litellm(name: str, base: str) -> None:
    messages = NOT_PLAIN[name]
    assert plain_messages(messages) is None
    hosted = base.startswith("https://api.openai.com")
    body = request_body("m", copy.deepcopy(messages), {}, base)
    assert body["messages"] == _transformed("m", copy.deepcopy(messages), hosted)


def theirs_tools(tools: list[dict[str, Any]], base: str) -> list[Any]:
    """litellm's own sanitizing of `tools` for `base` (what served_tools did before)."""
    from litellm.litellm_core_utils.prompt_templates.common_utils import (
        drop_non_python_regex_patterns,
        filter_value_from_dict,
        flatten_combinators_and_drop_non_python_regex_patterns,
        tool_with_sanitized_parameters,
    )

    hosted = base.startswith("https://api.openai.com")
    walk = (
        flatten_combinators_and_drop_non_python_regex_patterns
        if hosted
        else drop_non_python_regex_patterns
    )
    served = [dict(tool_with_sanitized_parameters(dict(t), walk)) for t in tools]  # type: ignore[arg-type]
    return [filter_value_from_dict(t, "cache_control") for t in served] if hosted else served


def tool(name: str, parameters: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": parameters}, **more}


ODD_TOOLS = {
    "an ECMA regex": tool("a", {"type": "object", "properties": {"n": {"pattern": r"\p{L}"}}}),
    "an ECMA property pattern": tool("b", {"patternProperties": {r"\p{L}": {"type": "string"}}}),
    "a top-level union": tool("c", {"anyOf": [{"type": "object", "properties": {"a": {}}}]}),
    "a top-level enum": tool("d", {"type": "object", "enum": [{}]}),
    "a cache marker": tool("e", {"type": "object"}, cache_control={"type": "ephemeral"}),
    "a good regex": tool("f", {"type": "object", "properties": {"n": {"pattern": "^a+$"}}}),
    "a property named pattern": tool(
        "g", {"type": "object", "properties": {"pattern": {"type": "string"}}}
    ),
}


@pytest.mark.parametrize("base", BASES)
def test_ml_intern_s_own_tools_are_sent_as_litellm_sends_them_without_it(base: str) -> None:
    schemas = build_catalog(Settings()).schemas()
    hosted = base.startswith("https://api.openai.com")
    assert len(schemas) > 10 and all(sent_as_is(s, hosted) for s in schemas)
    assert served_tools(copy.deepcopy(schemas), base) == theirs_tools(copy.deepcopy(schemas), base)


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("name", list(ODD_TOOLS))
def test_a_tool_litellm_would_change_is_left_to_it(name: str, base: str) -> None:
    tools = [ODD_TOOLS[name]]
    ours = served_tools(copy.deepcopy(tools), base)
    assert ours == theirs_tools(copy.deepcopy(tools), base)


def test_a_cyclic_schema_is_left_to_litellm() -> None:
    cyclic: dict[str, Any] = {"type": "object"}
    cyclic["properties"] = {"self": cyclic}
    assert not sent_as_is(tool("h", cyclic), hosted=False)


def their_config(name: str) -> str | None:
    """The config litellm's ProviderConfigManager picks for `name` (what `openai_config`
    asked litellm before)."""
    from litellm import LlmProviders
    from litellm.llms.openai.chat import gpt_transformation as gpt
    from litellm.utils import ProviderConfigManager

    config = ProviderConfigManager.get_provider_chat_config(
        model=name, provider=LlmProviders.OPENAI
    )
    kinds = {gpt.OpenAIGPTConfig: "known", gpt.OpenAIUnknownModelConfig: "unknown"}
    return kinds.get(type(config))  # type: ignore[call-overload]


OTHER_NAMES = [
    "scripted-model",
    "qwen",
    "moonshotai/Kimi-K2.6",
    "o3-mini",
    "o9-unlisted",
    "openai/o3",
    "responses/gpt-4o",
    "gpt-5-chat-latest",
    "my-gpt-5-clone",
    "org/gpt-6-x",
    "ft:gpt-4o-mini",
    "ft:gpt-4o-mini:org:x:1",
    "o",
]


def test_the_config_chosen_for_a_model_is_litellm_s() -> None:
    listed = [n for n, e in _price_list().items() if "openai" in str(e.get("litellm_provider"))]
    names = [*listed, *OTHER_NAMES, "claude-sonnet-4-5-20250929"]
    ours = {name: openai_config(name) for name in names}
    assert ours == {name: their_config(name) for name in names}
    assert {None, "known", "unknown"} <= set(ours.values())  # not vacuous


def test_a_plain_request_imports_no_litellm() -> None:
    """Building a first request (our tools bound, a plain history) leaves litellm unloaded."""
    probe = """
import asyncio, sys
from langchain_core.messages import HumanMessage, SystemMessage
from configs.settings import Settings
from models.openai_chat import OpenAIChatModel
from models.openai_chat_body import request_body
from tools.families import build_catalog

model = OpenAIChatModel(model="openai/m", api_base="http://127.0.0.1:9/v1")
bound = model.bind_tools(build_catalog(Settings()).tools)
body = request_body("m", [SystemMessage("s"), HumanMessage("hi")], bound.kwargs, model.api_base)
assert len(body["tools"]) > 10
print(sorted(m for m in sys.modules if m.split(".")[0] in ("litellm", "langchain_litellm")))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_names_rebuilt_here_are_litellm_s() -> None:
    from litellm.litellm_core_utils.prompt_templates import common_utils
    from litellm.llms.openai.chat import gpt_5_transformation

    from models import openai_chat_plain, own_paths

    assert openai_chat_plain._COMBINATORS == common_utils._TOP_LEVEL_SCHEMA_COMBINATORS
    assert openai_chat_plain._REJECTED_AT_TOP == common_utils._OPENAI_REJECTED_TOP_LEVEL_SCHEMA_KEYS
    assert own_paths._REASONING_SERIES == gpt_5_transformation.GPT_REASONING_SERIES_MARKERS
