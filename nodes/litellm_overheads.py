"""Work litellm does on every model call that ml-intern never uses, skipped.

- **Pricing each response.** litellm prices every response three times (when it assembles a
  stream's usage, when it stamps the response's hidden fields, in its success log), each a
  walk of its model list with fallbacks for a model it does not know: ~20% of a model call's
  CPU (3.4 ms of 17 ms, an OpenAI-compatible streamed step) and ~11% of a busy
  `ml-intern web`'s. ml-intern prices a call itself from the usage (nodes/usage.py
  `call_cost`: the configured price, else litellm's `cost_per_token`), so litellm's figure
  went nowhere. Its response now carries no `response_cost`; usage, streaming and errors are
  untouched.
- **Reading a signature per stream.** At each stream's end litellm asks `inspect.signature`
  whether anyio's `run_sync` takes `abandon_on_cancel` (~2.5% of a busy server's CPU at 128
  runs); a function's signature does not change, so the answer is remembered.
"""

from __future__ import annotations

import functools
from typing import Any

_installed = False


def install() -> bool:
    """Skip both (once); False when litellm moved either (that one is left as it is)."""
    global _installed
    if _installed:
        return True
    from litellm.litellm_core_utils import asyncify
    from litellm.litellm_core_utils.litellm_logging import Logging

    priced = callable(getattr(Logging, "_response_cost_calculator", None))
    if priced:
        Logging._response_cost_calculator = _unpriced  # type: ignore[method-assign]
    asks = getattr(asyncify, "function_has_argument", None)
    if callable(asks):
        asyncify.function_has_argument = functools.lru_cache(maxsize=64)(asks)
    _installed = True
    return priced and callable(asks)


def _unpriced(self: Any, *args: Any, **kwargs: Any) -> None:
    """litellm's callers take None as "no price known" (as for a model it cannot price)."""
    return None
