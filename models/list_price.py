"""A call's price from litellm's bundled list, without importing litellm, for the models whose
entry is flat: one rate per kind of token (input, output, cache read, cache write).

`models/usage.py` priced every call through `litellm.cost_per_token`, which imported litellm
after a thread's first reply (seconds of CPU, between the first request and the second, on
the default config's Anthropic path that otherwise never imports it) and then walked its
model lookup per call (~0.5 ms of a step's CPU, loaded). For a flat entry of the two
providers our own model paths serve, the price is four multiplications; every other entry
(tiered above a prompt size, off-peak, service tiers, per character, per second, another
provider's rules) returns None and stays litellm's. tests/models/test_list_price.py holds
the two equal on every entry this module prices.

    >>> round(listed_cost("anthropic/claude-sonnet-4-5-20250929", 1_000, 100, 0, 0), 6)
    0.0045
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from configs.model_profile import listed_entry

# Providers whose flat entries litellm prices by the generic rule below (its cost functions
# for them add nothing for these keys).
PROVIDERS = ("anthropic", "openai")


def listed_cost(
    model_id: str, input_tokens: int, output_tokens: int, cache_read: int, cache_write: int
) -> float | None:
    """USD of one call of `model_id` ("provider/name") at its flat listed rates, as
    `litellm.cost_per_token` gives it: prompt tokens not read from or written to the cache
    at the input rate, cache reads and writes at theirs (the input rate when none is
    listed), output at the output rate; None when the entry is not flat or not listed."""
    provider, slash, _ = model_id.partition("/")
    entry = listed_entry(model_id)
    if not slash or provider not in PROVIDERS or not _flat(entry, provider):
        return None
    rate_in = float(entry["input_cost_per_token"])
    rate_read = float(entry.get("cache_read_input_token_cost", rate_in))
    rate_write = float(entry.get("cache_creation_input_token_cost", rate_in))
    uncached = max(input_tokens - cache_read - cache_write, 0)
    prompt = uncached * rate_in + cache_read * rate_read + cache_write * rate_write
    return prompt + output_tokens * float(entry["output_cost_per_token"])


def _flat(entry: Mapping[str, Any], provider: str) -> bool:
    """A chat model of `provider` whose prices are all flat (configs/model_profile.py
    FLAT_PRICE_KEYS), with input and output rates."""
    if entry.get("litellm_provider") != provider or entry.get("mode", "chat") != "chat":
        return False
    rates = ("input_cost_per_token", "output_cost_per_token")
    return bool(entry.get("flat_prices")) and all(
        isinstance(entry.get(key), int | float) for key in rates
    )
