"""ml-intern's own model path for OpenAI-compatible streamed chat: ChatLiteLLM's request and reply,
without litellm's call path.

This model sends the body litellm would send (models/openai_chat_body.py) over one shared
`httpx.AsyncClient` per event loop, reads the stream into the chunks ChatLiteLLM would yield
(models/openai_chat_stream.py, models/openai_chat_usage.py) and fails with litellm's own
exceptions (models/openai_chat_errors.py), so what the rest of ml-intern sees is unchanged.
`models/own_paths.py` `openai_serves` says which models take this path (nodes/deps.py
chooses; `model_client: "litellm"` in the settings turns it off).

Why: ~11-15 ms of CPU a streamed call through ChatLiteLLM, ~3 ms this way (docs/lab/2026-11-25.md).
Against langchain-openai's `ChatOpenAI(base_url=...)` (bench/openai_client.py, both side by side,
CPU of the client process, a 300-step thread of 20 KB results, the model answering after 1 s; two
runs): 9.6-10.5 ms a step here, 85.6-93.2 ms through ChatOpenAI (its SDK walks and encodes the
whole history every step), 76-83 ms saved, 7.0-7.6% of a step; so this path stays. The library
internals it reads are declared in compat/ (litellm.py, langchain_litellm.py, openai_sdk.py).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import httpx
from langchain_core.messages import AIMessageChunk, BaseMessage

from models.openai_chat_body import CALL_PARAMS, encoded, request_body, served_tools
from models.openai_chat_errors import broken, refused, unreached, unsupported
from models.openai_chat_stream import StreamError, StreamReading
from models.openai_chat_usage import usage_metadata
from models.own_paths import openai_api_key, openai_config
from models.streamed_chat import StreamedChat, shared_client

if TYPE_CHECKING:
    from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
    from langchain_core.outputs import ChatGenerationChunk
    from langchain_core.runnables import Runnable

    from configs.model_profile import ModelProfile
    from configs.settings import Settings

OPENAI_BASE = "https://api.openai.com/v1"
# What ends a stream early: the connection, the JSON, the shape of a chunk, an error event.
_STREAM_FAILURES = (
    httpx.TransportError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    StreamError,
)


class OpenAIChatModel(StreamedChat):
    """A streamed OpenAI-compatible chat model that answers as ChatLiteLLM does (see module)."""

    api_base: str
    takes_effort: bool = True  # litellm forwards `reasoning_effort` (not for a model it knows)
    stream_failures = _STREAM_FAILURES
    reading = StreamReading
    refusal = staticmethod(refused)

    @property
    def _llm_type(self) -> str:
        return "openai-compatible-chat"

    @property
    def served_name(self) -> str:
        return self.model.removeprefix("openai/")

    def bind_tools(
        self, tools: Sequence[Any], tool_choice: Any = None, **kwargs: Any
    ) -> Runnable[Any, Any]:
        """The tools in OpenAI's shape, sanitized once as litellm would on every request;
        `tool_choice` read as ChatLiteLLM reads it."""
        from langchain_core.utils.function_calling import convert_to_openai_tool

        formatted = [convert_to_openai_tool(tool) for tool in tools]
        if tool_choice is True or tool_choice == "any":
            tool_choice = "required"
        elif isinstance(tool_choice, str) and tool_choice not in ("auto", "none", "required"):
            tool_choice = {"type": "function", "function": {"name": tool_choice}}
        sent = served_tools(formatted, self.api_base)
        return self.bind(tools=sent, tool_choice=tool_choice, **kwargs)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        unknown = sorted(set(kwargs) - CALL_PARAMS)
        if unknown:
            raise TypeError(f"OpenAIChatModel does not send {', '.join(unknown)}")
        if kwargs.get("reasoning_effort") is not None and not self.takes_effort:
            raise unsupported(["reasoning_effort"], self.served_name)
        params = {"temperature": self.temperature, "stop": stop, **kwargs}
        body = request_body(self.served_name, messages, params, self.api_base)
        key = kwargs.get("api_key") or self.api_key
        async for chunk in self._exchange(body, key):
            yield chunk

    async def _send(self, body: dict[str, Any], key: str | None) -> httpx.Response:
        client = shared_client()
        request = client.build_request(
            "POST",
            f"{self.api_base.rstrip('/')}/chat/completions",
            content=encoded(body),
            headers=_headers(key),
            timeout=httpx.Timeout(self.request_timeout),
        )
        try:
            return await client.send(request, stream=True)
        except httpx.TransportError as failure:
            raise unreached(failure, request, self.model) from failure

    def _broken(
        self, failure: Exception, response: httpx.Response, text: str, began: bool
    ) -> Exception:
        return broken(failure, response.request, self.served_name, text, began)

    def _closing(self, reading: StreamReading, body: dict[str, Any]) -> Iterable[AIMessageChunk]:
        if (closing := reading.closing_chunk()) is not None:
            yield closing
        usage = usage_metadata(reading, body["messages"])
        if usage is not None:
            yield AIMessageChunk(content="", usage_metadata=usage)


def _headers(key: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def _api_base(profile: ModelProfile) -> str:
    env = os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE")
    return profile.route.api_base or env or OPENAI_BASE


def openai_chat_model(profile: ModelProfile, settings: Settings) -> OpenAIChatModel:
    """The model for a profile `openai_serves` accepts, with ChatLiteLLM's settings for it."""
    timeout = settings.local_request_timeout_s if profile.local else settings.request_timeout_s
    return OpenAIChatModel(
        model=profile.route.model,
        api_base=_api_base(profile),
        api_key=openai_api_key(profile),
        temperature=profile.temperature,
        request_timeout=timeout,
        streaming=True,
        takes_effort=openai_config(profile.route.model.removeprefix("openai/")) == "unknown",
    )
