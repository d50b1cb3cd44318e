"""An OpenAI-compatible chat stream read into LangChain chunks, as ChatLiteLLM yields them.

Each server event becomes the `AIMessageChunk` langchain-litellm made of litellm's chunk for
it: the delta's text, `reasoning_content` (or `reasoning`), the tool-call deltas in litellm's
shape, the first chunk's `model_name`/`model_provider`, the finish reason as sent ("stop"
when none came), and the usage on a chunk of its own with the counts litellm derives
(models/openai_chat_usage.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import tool_call_chunk

# Delta fields that make litellm count a reasoning total instead of its plain-text 0.
_NON_TEXT_FIELDS = (
    "tool_calls",
    "function_call",
    "reasoning_content",
    "reasoning",
    "thinking_blocks",
    "annotations",
    "audio",
    "images",
    "provider_specific_fields",
)


# What is read past `[DONE]` so the connection goes back to the pool: normally only the body's
# end (a chunked body's last chunk); a server sending more, or holding the body open, is left
# and its connection closed.
_TAIL_BYTES = 64 * 1024
_TAIL_S = 1.0


async def sse_data(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The `data` of each server-sent event, up to `[DONE]` (comments and other fields
    skipped); at `[DONE]` the body's end is read (`_drained`) so the connection is kept."""
    pending = b""
    data: list[bytes] = []
    async for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            line = line.rstrip(b"\r")
            if line:
                if line.startswith(b"data:"):
                    value = line[5:]
                    data.append(value[1:] if value.startswith(b" ") else value)
                continue
            if data:
                event, data = b"\n".join(data), []
                if event.startswith(b"[DONE]"):
                    await _drained(chunks)
                    return
                yield event
    if data and not (event := b"\n".join(data)).startswith(b"[DONE]"):
        yield event


async def _drained(chunks: AsyncIterator[bytes]) -> None:
    """Read `chunks` to their end, for at most `_TAIL_S` and `_TAIL_BYTES`. Why: the client
    pools a connection only once its body was read whole; a stream left at `[DONE]` cost a new
    connection (and a provider's TLS handshake) each call. The openai SDK's reader reads on to
    the end too."""
    left = _TAIL_BYTES
    with contextlib.suppress(TimeoutError, httpx.HTTPError):  # the reply stands: it has ended
        async with asyncio.timeout(_TAIL_S):
            async for chunk in chunks:
                left -= len(chunk)
                if left < 0:
                    return


@dataclass
class StreamReading:
    """What the stream said so far that the usage and the first chunk depend on."""

    model_name: str
    first_sent: bool = False
    plain_text: bool = True  # no delta carried more than text (litellm then counts 0 reasoning)
    reasoning: list[str] = field(default_factory=list)
    finished: bool = False
    usage: Mapping[str, Any] | None = None
    raw: list[dict[str, Any]] = field(default_factory=list)  # for litellm's own count (no usage)

    def chunk(self, event: bytes) -> AIMessageChunk | None:
        """The LangChain chunk for one event's JSON (None: an event with nothing to say)."""
        data = _parsed(event)
        if not isinstance(data, dict):  # litellm's words for it
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'choices'")
        if data.get("error"):
            raise StreamError(data["error"])
        self.raw.append(data)
        if data.get("usage"):
            self.usage = data["usage"]
        choices = data["choices"]
        if not choices:
            return None
        return self._delta_chunk(choices[0])

    def closing_chunk(self) -> AIMessageChunk | None:
        """litellm's own finish ("stop") for a stream that ended without saying why."""
        return None if self.finished else self._delta_chunk({"finish_reason": "stop"})

    def _delta_chunk(self, choice: Mapping[str, Any]) -> AIMessageChunk:
        delta = choice.get("delta") or {}
        if self.plain_text and any(delta.get(k) is not None for k in _NON_TEXT_FIELDS):
            self.plain_text = False
        extra: dict[str, Any] = {}
        thinking = delta.get("reasoning_content")
        if thinking is None:
            thinking = delta.get("reasoning")
        if thinking:
            extra["reasoning_content"] = thinking
            self.reasoning.append(thinking)
        calls = delta.get("tool_calls")
        chunks = []
        if calls:
            extra["tool_calls"] = litellm_calls(calls)
            chunks = [
                tool_call_chunk(
                    name=c["function"]["name"],
                    args=c["function"]["arguments"],
                    id=c["id"],
                    index=c["index"],
                )
                for c in extra["tool_calls"]
            ]
        message = AIMessageChunk(
            content=delta.get("content") or "", additional_kwargs=extra, tool_call_chunks=chunks
        )
        if not self.first_sent:
            message.response_metadata = {"model_name": self.model_name, "model_provider": "litellm"}
            self.first_sent = True
        finish = choice.get("finish_reason")
        if finish:
            message.response_metadata["finish_reason"] = finish  # as sent: litellm maps none here
            self.finished = True
        return message


def _parsed(event: bytes) -> Any:
    """The event's JSON; what is not JSON fails with the standard library's words, as
    litellm's did."""
    try:
        return orjson.loads(event)
    except orjson.JSONDecodeError:
        return json.loads(event)


class StreamError(Exception):
    """The server put an error in the stream (the openai SDK's reading of such an event)."""

    def __init__(self, error: Any) -> None:
        message = error.get("message") if isinstance(error, dict) else None
        if not isinstance(message, str) or not message:
            message = "An error occurred during streaming"
        super().__init__(message)
        self.body = error


def litellm_calls(calls: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Tool-call deltas in the shape litellm's delta gives them (every key, type defaulted)."""
    shaped, counter = [], 0
    for call in calls:
        function = call.get("function") or {}
        arguments = function.get("arguments")
        if arguments is None:
            arguments = ""
        elif isinstance(arguments, dict):
            arguments = json.dumps(arguments)
        index = call.get("index")
        if index is None:
            index, counter = counter, counter + 1
        shaped.append(
            {
                "id": call.get("id"),
                "function": {"arguments": arguments, "name": function.get("name")},
                "type": call.get("type") or "function",
                "index": index,
            }
        )
    return shaped
