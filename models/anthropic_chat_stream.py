"""An Anthropic Messages stream read into LangChain chunks, as ChatLiteLLM yields them.

Each server event becomes the `AIMessageChunk` langchain-litellm made of litellm's chunk for
it (litellm's `ModelResponseIterator` and stream wrapper): a text delta its text; a
`tool_use` block a tool-call chunk with its id and name and empty arguments, then one chunk
per `input_json_delta` (an empty one included), and `{}` at its end when no arguments came;
the finish reason mapped to OpenAI's words on a chunk of its own; the first chunk carrying
`model_name`/`model_provider`; the usage on a last chunk, the cache reads and writes counted
into the prompt as litellm counts them. Thinking blocks are not read here: this path sends
no thinking, and a stream that carries a block it does not know fails as broken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from langchain_core.messages import AIMessageChunk
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call_chunk

# litellm's `map_finish_reason` for what Anthropic sends.
FINISH_REASONS = {
    "stop_sequence": "stop",
    "end_turn": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
# Events that say nothing a chunk carries.
_QUIET = frozenset({"ping", "message_stop"})


class StreamError(Exception):
    """The server put an error event in the stream (litellm raises its message as a 500)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownBlock(Exception):
    """A content block this path does not read (thinking, a server tool): litellm's to read."""


@dataclass
class StreamReading:
    """What the stream said so far: the block being read, the usage, whether it finished."""

    model_name: str
    first_sent: bool = False
    finished: bool = False
    tool_index: int = -1
    block: str | None = None
    arguments: list[str] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)

    def chunk(self, event: bytes) -> AIMessageChunk | None:
        """The LangChain chunk for one event's JSON (None: an event with nothing to say)."""
        data = _parsed(event)
        kind = data.get("type", "") or ""
        if kind == "error":
            error = data.get("error", {}) or {}
            raise StreamError(error.get("message", None) or str(data))
        if kind == "message_start":
            self.usage.update(data["message"].get("usage") or {})
            return None
        if kind == "content_block_start":
            return self._start(data["content_block"])
        if kind == "content_block_delta":
            return self._delta(data["delta"])
        if kind == "content_block_stop":
            return self._stop()
        if kind == "message_delta":
            self.usage.update(data.get("usage") or {})
            reason = data["delta"].get("stop_reason", "stop") or "stop"
            self.finished = True
            return self._message(finish=FINISH_REASONS.get(reason, "stop"))
        if kind in _QUIET:
            return None
        raise UnknownBlock(f"an event of type {kind!r}")

    def _start(self, block: Mapping[str, Any]) -> AIMessageChunk | None:
        self.block, self.arguments = block["type"], []
        if self.block == "text":
            return self._message(text=block.get("text") or "") if block.get("text") else None
        if self.block != "tool_use":
            raise UnknownBlock(f"a content block of type {self.block!r}")
        self.tool_index += 1
        return self._call(block["id"], block["name"], "")

    def _delta(self, delta: Mapping[str, Any]) -> AIMessageChunk | None:
        if "text" in delta:
            return self._message(text=delta["text"]) if delta["text"] else None
        if "partial_json" in delta and self.block == "tool_use":
            self.arguments.append(delta["partial_json"])
            return self._call(None, None, delta["partial_json"])
        raise UnknownBlock(f"a delta of type {delta.get('type')!r}")

    def _stop(self) -> AIMessageChunk | None:
        block, self.block = self.block, None
        if block == "tool_use" and not "".join(self.arguments):
            return self._call(None, None, "{}")
        return None

    def _call(self, call_id: str | None, name: str | None, arguments: str) -> AIMessageChunk:
        call = {
            "id": call_id,
            "function": {"arguments": arguments, "name": name},
            "type": "function",
            "index": self.tool_index,
        }
        piece = tool_call_chunk(name=name, args=arguments, id=call_id, index=self.tool_index)
        return self._message(calls=[call], pieces=[piece])

    def _message(
        self,
        text: str = "",
        calls: list[dict[str, Any]] | None = None,
        pieces: list[Any] | None = None,
        finish: str | None = None,
    ) -> AIMessageChunk:
        extra = {"tool_calls": calls} if calls else {}
        message = AIMessageChunk(
            content=text, additional_kwargs=extra, tool_call_chunks=pieces or []
        )
        if not self.first_sent:
            message.response_metadata = {"model_name": self.model_name, "model_provider": "litellm"}
            self.first_sent = True
        if finish is not None:
            message.response_metadata["finish_reason"] = finish
        return message

    def usage_metadata(self) -> UsageMetadata | None:
        """The reply's usage as litellm counts it (cache reads and writes in the prompt)."""
        if not self.usage:
            return None
        read = _count(self.usage.get("cache_read_input_tokens"))
        written = _count(self.usage.get("cache_creation_input_tokens"))
        prompt = _count(self.usage.get("input_tokens")) + read + written
        completion = _count(self.usage.get("output_tokens"))
        return UsageMetadata(
            input_tokens=prompt,
            output_tokens=completion,
            total_tokens=prompt + completion,
            input_token_details={"cache_read": read, "cache_creation": written},
            output_token_details={"reasoning": 0},
        )


def _count(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and value else 0


def _parsed(event: bytes) -> dict[str, Any]:
    """The event's JSON object; what is not one fails with the standard library's words."""
    try:
        data = orjson.loads(event)
    except orjson.JSONDecodeError:
        data = json.loads(event)
    if not isinstance(data, dict):
        raise UnknownBlock(f"an event that is not an object: {event[:100]!r}")
    return data
