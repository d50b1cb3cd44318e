"""Prices for models litellm cannot price (local servers, router ids, new releases).

Config: `"model_prices": {"moonshotai/Kimi-K2.6": {"input_per_mtok": 0.6, "output_per_mtok": 2.5}}`
(USD per million tokens). They are registered with litellm before the first model call, so
cost, `/status` and `--max-cost` count them like any known model.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from configs.litellm_providers import LITELLM_PROVIDERS

PRICES_KEY = "model_prices"


class ModelPrice(BaseModel):
    """USD per million tokens; cache prices default to the input price."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)
    cache_read_per_mtok: float | None = Field(None, ge=0)
    cache_write_per_mtok: float | None = Field(None, ge=0)


def register_prices(prices: Mapping[str, ModelPrice]) -> None:
    """Teach litellm the configured prices (litellm is imported only when there are some)."""
    if not prices:
        return
    import litellm

    per_token = 1e-6
    litellm.register_model(
        {
            model: {
                "input_cost_per_token": p.input_per_mtok * per_token,
                "output_cost_per_token": p.output_per_mtok * per_token,
                "cache_read_input_token_cost": (
                    p.cache_read_per_mtok if p.cache_read_per_mtok is not None else p.input_per_mtok
                )
                * per_token,
                "cache_creation_input_token_cost": (
                    p.cache_write_per_mtok
                    if p.cache_write_per_mtok is not None
                    else p.input_per_mtok
                )
                * per_token,
                # litellm looks a price up under the provider the id's prefix names.
                "litellm_provider": provider if provider in LITELLM_PROVIDERS else "openai",
                "mode": "chat",
            }
            for model, p in prices.items()
            for provider in [model.partition("/")[0]]
        }
    )


def unpriced_message(model: str) -> str:
    return (
        f"--max-cost cannot limit {model}: litellm has no prices for it, so its cost would stay "
        f'0. Add them to the config under "{PRICES_KEY}", e.g. "{PRICES_KEY}": {{"{model}": '
        '{"input_per_mtok": 0.5, "output_per_mtok": 1.5}} (USD per million tokens), or run '
        "without --max-cost."
    )
