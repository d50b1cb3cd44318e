"""ml-intern's own model path for Anthropic's streamed Messages API: ChatLiteLLM's request and
reply for a plain request, without importing litellm; ChatLiteLLM itself for the rest.

A plain request (models/anthropic_chat_body.py: text messages, tool calls and results,
ml-intern's tool schemas, the profile's cache markers, no reasoning effort) is sent as
litellm would send it over one shared `httpx.AsyncClient` per event loop, its stream read
into the chunks ChatLiteLLM would yield (models/anthropic_chat_stream.py), failures raised as
litellm's exceptions (models/anthropic_chat_errors.py). Any other request (a reasoning
effort, thinking blocks in the history, images, a tool litellm reshapes...) goes to the
ChatLiteLLM the factory would have made, built when first needed (models/chat_model.py).
`models/own_paths.py` `anthropic_serves` says which models take this path (`model_client:
"litellm"` turns it off).

Why: `import litellm` is most of a launch with the default config (an Anthropic model):
2.90 s wall against 1.38 s on the OpenAI-compatible path, which already went without it
(bench/results, 05:46 UTC); and litellm's call path is most of an Anthropic step's CPU.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from pydantic import Field, PrivateAttr

from compat.langchain_litellm import streamed
from models.anthropic_chat_body import request_body
from models.anthropic_chat_errors import broken, refused, unreached
from models.anthropic_chat_stream import StreamError, StreamReading, UnknownBlock
from models.own_paths import anthropic_api_key
from models.streamed_chat import StreamedChat, shared_client

if TYPE_CHECKING:
    from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
    from langchain_core.outputs import ChatGenerationChunk
    from langchain_core.runnables import Runnable

    from configs.model_profile import ModelProfile
    from configs.settings import Settings

ANTHROPIC_BASE = "https://api.anthropic.com/v1/messages"
ANTHROPIC_VERSION = "2023-06-01"
# litellm's default `max_tokens` for a model its list does not give one.
DEFAULT_MAX_TOKENS = 4096
# What ends a stream early: the connection, the JSON, the shape of an event, an error event.
_STREAM_FAILURES = (
    httpx.TransportError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    StreamError,
    UnknownBlock,
)


class AnthropicChatModel(StreamedChat):
    """A streamed Anthropic chat model that answers as ChatLiteLLM does (see module)."""

    url: str  # where the Messages requests go
    max_tokens: int = DEFAULT_MAX_TOKENS
    cache_points: list[dict[str, Any]] = Field(default_factory=list)
    # The ChatLiteLLM for requests this path does not send (models/chat_model.py).
    litellm_model: Callable[[], BaseChatModel] | None = Field(default=None, exclude=True)
    _fallback: BaseChatModel | None = PrivateAttr(default=None)
    stream_failures = _STREAM_FAILURES
    reading = StreamReading
    refusal = staticmethod(refused)

    @property
    def _llm_type(self) -> str:
        return "anthropic-chat"

    @property
    def served_name(self) -> str:
        return self.model.removeprefix("anthropic/")

    def bind_tools(
        self, tools: Sequence[Any], tool_choice: Any = None, **kwargs: Any
    ) -> Runnable[Any, Any]:
        """The tools in OpenAI's shape, as ChatLiteLLM binds them (mapped per request, the
        mapping remembered per toolset); a tool choice other than none is ChatLiteLLM's."""
        from langchain_core.utils.function_calling import convert_to_openai_tool

        if tool_choice not in (None, False):
            return self._litellm().bind_tools(tools, tool_choice=tool_choice, **kwargs)
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        params = {"temperature": self.temperature, "stop": stop, **kwargs}
        body = request_body(self.served_name, messages, params, self.cache_points, self.max_tokens)
        if body is None:
            async for chunk in streamed(self._litellm(), messages, stop, run_manager, **kwargs):
                yield chunk
            return
        key = kwargs.get("api_key") or self.api_key
        async for chunk in self._exchange(body, key):
            yield chunk

    def _litellm(self) -> BaseChatModel:
        if self._fallback is None:
            if self.litellm_model is None:
                raise RuntimeError("AnthropicChatModel has no ChatLiteLLM for this request")
            self._fallback = self.litellm_model()
        return self._fallback

    async def _send(self, body: dict[str, Any], key: str | None) -> httpx.Response:
        import orjson

        client = shared_client()
        content = orjson.dumps(body)
        for attempt in range(2):  # litellm sends once more on a fresh connection after these
            request = client.build_request(
                "POST",
                self.url,
                content=content,
                headers=_headers(key),
                timeout=httpx.Timeout(self.request_timeout),
            )
            try:
                return await client.send(request, stream=True)
            except (httpx.RemoteProtocolError, httpx.ConnectError) as failure:
                if attempt == 1:
                    raise unreached(failure, self.request_timeout, self.model) from failure
            except httpx.TransportError as failure:
                raise unreached(failure, self.request_timeout, self.model) from failure
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _broken(
        self, failure: Exception, response: httpx.Response, text: str, began: bool
    ) -> Exception:
        return broken(failure, self.model, text, began)

    def _closing(self, reading: StreamReading, body: dict[str, Any]) -> Iterable[AIMessageChunk]:
        usage = reading.usage_metadata()
        if usage is not None:
            yield AIMessageChunk(content="", usage_metadata=usage)


def _headers(key: str | None) -> dict[str, str]:
    headers = {
        "anthropic-version": ANTHROPIC_VERSION,
        "accept": "application/json",
        "content-type": "application/json",
    }
    if key:
        headers["x-api-key"] = key
    return headers


def _url(profile: ModelProfile) -> str:
    base = (
        profile.route.api_base
        or os.environ.get("ANTHROPIC_API_BASE")
        or os.environ.get("ANTHROPIC_BASE_URL")
        or ANTHROPIC_BASE
    )
    return base if base.endswith("/v1/messages") else base + "/v1/messages"


def _max_tokens(name: str) -> int:
    """litellm's default `max_tokens` for `name`: its list's output window, else its default."""
    from configs.model_profile import listed_max_output

    return listed_max_output(name) or DEFAULT_MAX_TOKENS


def anthropic_chat_model(
    profile: ModelProfile, settings: Settings, litellm_model: Callable[[], BaseChatModel]
) -> AnthropicChatModel:
    """The model for a profile `anthropic_serves` accepts, with ChatLiteLLM's settings for it;
    `litellm_model` makes the ChatLiteLLM for requests this path does not send."""
    timeout = settings.local_request_timeout_s if profile.local else settings.request_timeout_s
    points = profile.cache_kwargs().get("cache_control_injection_points", [])
    return AnthropicChatModel(
        model=profile.route.model,
        url=_url(profile),
        api_key=anthropic_api_key(profile),
        temperature=profile.temperature,
        request_timeout=timeout,
        max_tokens=_max_tokens(profile.route.model.removeprefix("anthropic/")),
        cache_points=points,
        streaming=True,  # set, so LangChain streams it (a default is not "set")
        litellm_model=litellm_model,
    )
