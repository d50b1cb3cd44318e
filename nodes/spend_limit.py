"""A spend limit needs a priced model: checked at launch (cli/launch.py), on `/model`
(cli/commands.py) and on the web UI's model picker (graph/web_session.py), since an unpriced
model's cost stays 0 and the limit would never stop it."""

from __future__ import annotations

from typing import Any


def unpriced_limit(settings: Any, model: str) -> str | None:
    """A spend limit on a model nobody can price would never stop anything: refuse it."""
    if settings.max_cost_usd is None:
        return None
    from configs.model_prices import register_prices, unpriced_message
    from nodes.usage import forget_prices, is_priced

    register_prices(settings.model_prices)
    forget_prices()
    return None if is_priced(model) else unpriced_message(model)
