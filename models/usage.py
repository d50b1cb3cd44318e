"""Token and cost accounting: one model call's usage and the running sum a thread keeps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, BaseMessage
from typing_extensions import TypedDict

from models.list_price import listed_cost

if TYPE_CHECKING:
    from configs.model_profile import ModelProfile

# Tokens one image may cost once scaled to fit 1,024 pixels (nodes/tool_images.py MAX_SIDE;
# Anthropic: width * height / 750).
IMAGE_TOKENS = 1_400


def count_tokens(model_id: str, messages: Sequence[BaseMessage]) -> int:
    """Tokens of `messages` as the model would see them (litellm's tokenizer for the model)."""
    import litellm
    from langchain_core.messages import convert_to_openai_messages

    litellm.suppress_debug_info = True  # its banners would land in the user's stdout
    payload = convert_to_openai_messages(list(messages))
    try:
        return int(litellm.token_counter(model=model_id, messages=payload))
    except Exception:
        return sum(
            _rough(m.get("content")) + len(str(m.get("tool_calls") or "")) // 4 for m in payload
        )


def _rough(content: Any) -> int:
    """A rough count: 4 characters a token, an image block at the most it may cost."""
    if not isinstance(content, list):
        return len(str(content or "")) // 4
    images = sum(1 for b in content if isinstance(b, dict) and b.get("type") == "image_url")
    text = "".join(str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in content)
    return len(text) // 4 + images * IMAGE_TOKENS


class Usage(TypedDict, total=False):
    input_tokens: int  # all of the prompt, cached parts included
    output_tokens: int
    cost_usd: float
    calls: int
    cache_read_tokens: int  # prompt tokens served from the provider's cache
    cache_write_tokens: int  # prompt tokens written to it
    job_cost_usd: float  # the worst case of the paid Jobs started (tools/hub/job_budget.py)


SUMMED_INTS = ("input_tokens", "output_tokens", "calls", "cache_read_tokens", "cache_write_tokens")


def sum_usage(
    old: Usage | Mapping[str, Any] | None, new: Usage | Mapping[str, Any] | None
) -> Usage:
    """Usage is a running sum: each write (one model call, one sub-agent run) adds to it."""
    old, new = old or {}, new or {}
    total: Usage = {key: int(old.get(key, 0)) + int(new.get(key, 0)) for key in SUMMED_INTS}  # type: ignore[misc]
    total["cost_usd"] = float(old.get("cost_usd", 0.0)) + float(new.get("cost_usd", 0.0))
    jobs = float(old.get("job_cost_usd", 0.0)) + float(new.get("job_cost_usd", 0.0))
    if jobs:
        total["job_cost_usd"] = jobs  # worst case of the paid Jobs started (job_budget.py)
    return total


def cache_share(usage: Mapping[str, Any]) -> float | None:
    """The share of prompt tokens served from cache, or None before any prompt was sent."""
    prompt = int(usage.get("input_tokens", 0))
    return int(usage.get("cache_read_tokens", 0)) / prompt if prompt else None


def call_usage(
    profile: ModelProfile, prompt: Sequence[BaseMessage], response: AIMessage
) -> dict[str, Any]:
    """One call's Usage (tokens counted ourselves when the provider sent none; cost in USD)."""
    model_id = profile.model_id
    meta = response.usage_metadata or {}
    input_tokens = int(meta.get("input_tokens") or 0)
    output_tokens = int(meta.get("output_tokens") or 0)
    details = meta.get("input_token_details") or {}
    cache_read = int(details.get("cache_read") or 0)
    cache_write = int(details.get("cache_creation") or 0)
    counted = not meta
    if counted:
        input_tokens = count_tokens(model_id, prompt)
        output_tokens = count_tokens(model_id, [response])
    cost = call_cost(profile, input_tokens, output_tokens, cache_read, cache_write)
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
        "cost_usd": cost,
        "calls": 1,
        "counted_locally": counted,
    }


def call_cost(
    profile: ModelProfile,
    input_tokens: int,
    output_tokens: int,
    cache_read: int = 0,
    cache_write: int = 0,
) -> float:
    """USD at the configured price, else litellm's list (cache reads and writes at the
    provider's cache prices: a flat entry priced here, models/list_price.py, any other by
    litellm); 0 for a model neither prices (its cost shows as unknown)."""
    if profile.price is not None:
        return profile.price.cost(input_tokens, output_tokens, cache_read, cache_write)
    if not profile.priced:
        return 0.0
    listed = listed_cost(profile.model_id, input_tokens, output_tokens, cache_read, cache_write)
    if listed is not None:  # a flat entry: no litellm import, no lookup per call
        return listed
    import litellm

    litellm.suppress_debug_info = True  # its banners would land in the user's stdout
    prompt_cost, completion_cost = litellm.cost_per_token(
        model=profile.model_id,
        prompt_tokens=input_tokens,
        completion_tokens=output_tokens,
        cache_read_input_tokens=cache_read,
        cache_creation_input_tokens=cache_write,
    )
    return float(prompt_cost + completion_cost)
