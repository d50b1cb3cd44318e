"""Prices for models litellm cannot price (local servers, router ids, new releases).

Config: `"model_prices": {"moonshotai/Kimi-K2.6": {"input_per_mtok": 0.6, "output_per_mtok": 2.5}}`
(USD per million tokens). They travel in the model's profile (configs/model_profile.py), never
in litellm's process-wide price table: two sessions with different configs each count their own,
and `/status` and `--max-cost` count them like any model litellm lists.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

PRICES_KEY = "model_prices"


class ModelPrice(BaseModel):
    """USD per million tokens; cache prices default to the input price."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)
    cache_read_per_mtok: float | None = Field(None, ge=0)
    cache_write_per_mtok: float | None = Field(None, ge=0)

    def cost(
        self, input_tokens: int, output_tokens: int, cache_read: int, cache_write: int
    ) -> float:
        """USD for one call; `input_tokens` counts the whole prompt, cached parts included."""
        read = self.input_per_mtok if self.cache_read_per_mtok is None else self.cache_read_per_mtok
        write = (
            self.input_per_mtok if self.cache_write_per_mtok is None else self.cache_write_per_mtok
        )
        fresh = max(0, input_tokens - cache_read - cache_write)
        per_mtok = (
            fresh * self.input_per_mtok
            + cache_read * read
            + cache_write * write
            + output_tokens * self.output_per_mtok
        )
        return per_mtok / 1e6


def unpriced_message(model: str) -> str:
    return (
        f"--max-cost cannot limit {model}: litellm has no prices for it, so its cost would stay "
        f'0. Add them to the config under "{PRICES_KEY}", e.g. "{PRICES_KEY}": {{"{model}": '
        '{"input_per_mtok": 0.5, "output_per_mtok": 1.5}} (USD per million tokens), or run '
        "without --max-cost."
    )
