"""Token and cost accounting for one model call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage


def count_tokens(model_id: str, messages: Sequence[BaseMessage]) -> int:
    """Tokens of `messages` as the model would see them (litellm's tokenizer for the model)."""
    import litellm
    from langchain_core.messages import convert_to_openai_messages

    payload = convert_to_openai_messages(list(messages))
    try:
        return int(litellm.token_counter(model=model_id, messages=payload))
    except Exception:
        return (
            sum(
                len(str(m.get("content") or "")) + len(str(m.get("tool_calls") or ""))
                for m in payload
            )
            // 4
        )


def call_usage(model_id: str, prompt: Sequence[BaseMessage], response: AIMessage) -> dict[str, Any]:
    """Input/output tokens (counted ourselves when the provider sent none) and cost in USD."""
    meta = response.usage_metadata or {}
    input_tokens = int(meta.get("input_tokens") or 0)
    output_tokens = int(meta.get("output_tokens") or 0)
    counted = not meta
    if counted:
        input_tokens = count_tokens(model_id, prompt)
        output_tokens = count_tokens(model_id, [response])
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cost_usd": call_cost(model_id, input_tokens, output_tokens),
        "counted_locally": counted,
    }


def call_cost(model_id: str, input_tokens: int, output_tokens: int) -> float:
    """USD from litellm's price list; 0 for models it does not price (local servers)."""
    if not _priced(model_id):
        return 0.0
    import litellm

    prompt_cost, completion_cost = litellm.cost_per_token(
        model=model_id, prompt_tokens=input_tokens, completion_tokens=output_tokens
    )
    return float(prompt_cost + completion_cost)


@cache
def _priced(model_id: str) -> bool:
    """Whether litellm knows the model's prices (asked once: it raises for unknown models)."""
    import litellm

    try:
        litellm.cost_per_token(model=model_id, prompt_tokens=1, completion_tokens=1)
    except Exception:
        return False
    return True


def add_usage(total: Mapping[str, Any] | None, call: Mapping[str, Any]) -> dict[str, Any]:
    total = total or {}
    return {
        "input_tokens": int(total.get("input_tokens", 0)) + int(call["input_tokens"]),
        "output_tokens": int(total.get("output_tokens", 0)) + int(call["output_tokens"]),
        "cost_usd": float(total.get("cost_usd", 0.0)) + float(call["cost_usd"]),
        "calls": int(total.get("calls", 0)) + 1,
    }
