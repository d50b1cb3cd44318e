"""The OpenAI-compatible fast path sends exactly the body the SDK's own walk would have sent."""

import json
from typing import Annotated

from openai import NOT_GIVEN
from openai._utils._transform import PropertyInfo, async_maybe_transform
from openai.types.chat import (
    ChatCompletionMessageParam,
    ChatCompletionToolUnionParam,
    completion_create_params,
)
from typing_extensions import TypedDict

from compat.openai_sdk import annotated_fields, install, serves

MESSAGES = [
    {"role": "system", "content": "You are ml-intern."},
    {"role": "developer", "content": [{"type": "text", "text": "be brief"}]},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "what is in this image?"},
            {
                "type": "image_url",
                "image_url": {"url": "data:image/png;base64,iVBOR", "detail": "low"},
            },
            {"type": "input_audio", "input_audio": {"data": "UklGR", "format": "wav"}},
            {"type": "file", "file": {"file_data": "JVBER", "filename": "a.pdf"}},
        ],
    },
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read", "arguments": "{}"}}
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": "x" * 5000},
    {"role": "function", "name": "f", "content": "legacy"},
]


def body() -> dict[str, object]:
    return {
        "messages": list(MESSAGES),
        "model": "scripted-model",
        "temperature": 0.2,
        "max_tokens": NOT_GIVEN,
        "tools": [
            {
                "type": "function",
                "function": {"name": "read", "parameters": {"type": "object", "properties": {}}},
            }
        ],
        "stream_options": {"include_usage": True},
        "user": NOT_GIVEN,
    }


async def test_the_fast_path_sends_the_same_body_as_the_sdk() -> None:
    expected = await async_maybe_transform(
        body(), completion_create_params.CompletionCreateParamsNonStreaming
    )
    assert install()
    from openai.resources.chat.completions import completions

    fast = await completions.async_maybe_transform(
        body(), completion_create_params.CompletionCreateParamsNonStreaming
    )
    assert json.dumps(fast, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert "max_tokens" not in fast and "user" not in fast  # omitted arguments still dropped


async def test_omitted_tools_are_still_dropped_and_a_tuple_of_tools_is_sent_as_a_list() -> None:
    assert install()
    from openai.resources.chat.completions import completions

    params = completion_create_params.CompletionCreateParamsNonStreaming
    omitted = await completions.async_maybe_transform({**body(), "tools": NOT_GIVEN}, params)
    assert "tools" not in omitted
    as_tuple = {**body(), "tools": tuple(body()["tools"])}  # type: ignore[arg-type]
    fast = await completions.async_maybe_transform(as_tuple, params)
    assert json.dumps(fast, sort_keys=True) == json.dumps(
        await async_maybe_transform(as_tuple, params), sort_keys=True
    )


def test_it_installs_only_while_no_message_or_tool_type_is_renamed_or_encoded() -> None:
    assert annotated_fields(ChatCompletionMessageParam) == []
    assert annotated_fields(ChatCompletionToolUnionParam) == []

    class Part(TypedDict):
        file_data: Annotated[str, PropertyInfo(format="base64")]

    class Message(TypedDict):
        role: str
        parts: list[Part]

    assert annotated_fields(Message | str) == ["Part.file_data"]


def test_it_goes_in_only_for_providers_litellm_sends_through_the_sdk() -> None:
    # Anthropic's path never imports the SDK's resources (0.3 s and 13 MB at start-up).
    assert not serves("anthropic") and not serves("bedrock") and not serves("gemini")
    assert all(serves(p) for p in ("openai", "azure", "local", "router", "groq", "hosted_vllm"))


def test_the_body_is_encoded_to_the_same_bytes_as_the_sdks_encoder() -> None:
    import datetime
    import enum

    import pydantic
    from openai import _base_client
    from openai._utils._json import openapi_dumps

    assert install()

    class Colour(enum.Enum):
        RED = 1

    class Options(pydantic.BaseModel):
        seed: int = 3

    tricky_text = 'tab\t, line\n, \x1f, \x7f, \u2028, é, 😀, quote " and \\'
    bodies: list[object] = [
        {**body(), "max_tokens": 10, "user": "u", "tool_text": tricky_text},
        {"floats": [0.2, 1e16, 1e-05, 5e-324, 1.5e300, -0.0, 123456789.123, 2 / 3]},
        {"not a str key": {1: 2}, "big": 2**70},
        {"when": datetime.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=datetime.UTC)},
        {"model": Options(), "tuple": (1, "a")},
        {"nan": float("nan")},
        {"enum": Colour.RED},
        {"bad": "\ud800"},  # a lone surrogate
    ]
    for sent in bodies:
        expected = _outcome(openapi_dumps, sent)
        assert _outcome(_base_client.openapi_dumps, sent) == expected, sent


def _outcome(dumps: object, body: object) -> object:
    try:
        return dumps(body)  # type: ignore[operator]
    except Exception as error:  # the same refusal as the SDK's
        return type(error)
