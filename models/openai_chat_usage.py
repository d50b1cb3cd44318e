"""A streamed reply's usage as ChatLiteLLM reports it: the server's counts as litellm adjusts them.

litellm totals the prompt and completion tokens itself, reads the cached prompt tokens from
any of the fields providers use, and when the server gives no reasoning count it derives one:
0 for a reply of plain text, else the tokens of the reply's reasoning text (its default
tokenizer), capped at the completion. A stream without usage is counted by litellm itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages.ai import UsageMetadata

if TYPE_CHECKING:
    from models.openai_chat_stream import StreamReading


def usage_metadata(
    reading: StreamReading, messages: Sequence[Mapping[str, Any]]
) -> UsageMetadata | None:
    """The reply's usage; `messages`: the request's, for litellm's count when the server sent
    none (None: an empty stream, which litellm leaves uncounted)."""
    usage = reading.usage
    if (
        usage is None
        or usage.get("completion_tokens") is None
        or usage.get("prompt_tokens") is None
    ):
        return counted_by_litellm(reading, messages)
    prompt, completion = int(usage["prompt_tokens"]), int(usage["completion_tokens"])
    meta = UsageMetadata(
        input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion
    )
    inputs = _input_details(usage)
    if inputs:
        meta["input_token_details"] = inputs  # type: ignore[typeddict-item]
    reasoning = _reasoning_tokens(usage, reading, completion)
    if reasoning is not None:
        meta["output_token_details"] = {"reasoning": reasoning}
    return meta


def _input_details(usage: Mapping[str, Any]) -> dict[str, int]:
    details = usage.get("prompt_tokens_details") or {}
    read = usage.get("cache_read_input_tokens")
    if not isinstance(read, int):
        read = usage.get("prompt_cache_hit_tokens")  # DeepSeek's name
    if not isinstance(read, int):
        read = details.get("cached_tokens")
    written = usage.get("cache_creation_input_tokens")
    if not isinstance(written, int):
        written = details.get("cache_creation_tokens")
    found = {"cache_read": read, "cache_creation": written}
    return {k: int(v) for k, v in found.items() if v is not None}


def _reasoning_tokens(
    usage: Mapping[str, Any], reading: StreamReading, completion: int
) -> int | None:
    stated = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    if stated is not None:
        return int(stated)
    if reading.plain_text:
        return 0
    if not reading.reasoning:
        return None
    from litellm import token_counter

    counted = token_counter(text="".join(reading.reasoning), count_response_tokens=True)
    return min(max(0, counted), completion)


def counted_by_litellm(
    reading: StreamReading, messages: Sequence[Mapping[str, Any]]
) -> UsageMetadata | None:
    """litellm's own count of a stream that came without usage (its tokenizer, its rules)."""
    import litellm
    from langchain_litellm.chat_models.litellm import _create_usage_metadata

    chunks = [litellm.ModelResponseStream(**raw) for raw in reading.raw if raw.get("choices")]
    built = litellm.stream_chunk_builder(chunks=chunks, messages=list(messages))
    usage = getattr(built, "usage", None)
    return None if usage is None else _create_usage_metadata(usage)
