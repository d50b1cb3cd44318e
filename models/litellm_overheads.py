"""Work litellm does on every model call that ml-intern never uses, skipped.

- **Pricing each response.** litellm prices every response three times (when it assembles a
  stream's usage, when it stamps the response's hidden fields, in its success log), each a
  walk of its model list with fallbacks for a model it does not know: ~20% of a model call's
  CPU (3.4 ms of 17 ms, an OpenAI-compatible streamed step) and ~11% of a busy
  `ml-intern web`'s. ml-intern prices a call itself from the usage (models/usage.py
  `call_cost`: the configured price, else litellm's `cost_per_token`), so litellm's figure
  went nowhere. Its response now carries no `response_cost`; usage, streaming and errors are
  untouched.
- **Reading a signature per stream.** At each stream's end litellm asks `inspect.signature`
  whether anyio's `run_sync` takes `abandon_on_cancel` (~2.5% of a busy server's CPU at 128
  runs); a function's signature does not change, so the answer is remembered.
- **Logging each success for no one.** After every call litellm builds its standard logging
  payload (the request, the response, timings, a cache estimate) in a task of its own and
  hands it to its success callbacks; ml-intern registers none, so nothing reads it: ~3 ms of
  a 12-16 ms streamed call's CPU. It is now built only when some callback would receive it
  (a global or per-call success callback, litellm's cache or budget); the caller's response
  is never touched by it (it runs after the response is returned).
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
    logged = _log_only_when_listened(Logging)
    _installed = True
    return priced and callable(asks) and logged


# A `Logging` object's own success callbacks (the call's `callbacks=` / `success_callback=`).
_OWN_LISTENERS = ("dynamic_success_callbacks", "dynamic_async_success_callbacks")
_HANDLERS = ("success_handler", "async_success_handler")


def _log_only_when_listened(logging_class: Any) -> bool:
    """Wrap litellm's two success handlers so they run only when something listens; False
    (both left as they are) when litellm renamed a handler or a listener list."""
    import litellm

    if not all(callable(getattr(logging_class, name, None)) for name in _HANDLERS):
        return False
    if not all(isinstance(getattr(litellm, n, None), list) for n in _GLOBAL_LISTENERS):
        return False

    def listened(logging: Any) -> bool:
        if any(getattr(litellm, name) for name in _GLOBAL_LISTENERS):
            return True
        if getattr(litellm, "cache", None) is not None or getattr(litellm, "max_budget", 0):
            return True
        return any(getattr(logging, name, None) for name in _OWN_LISTENERS)

    sync_handler = logging_class.success_handler
    async_handler = logging_class.async_success_handler

    @functools.wraps(sync_handler)
    def success_handler(self: Any, *args: Any, **kwargs: Any) -> Any:
        return sync_handler(self, *args, **kwargs) if listened(self) else None

    @functools.wraps(async_handler)
    async def async_success_handler(self: Any, *args: Any, **kwargs: Any) -> Any:
        return await async_handler(self, *args, **kwargs) if listened(self) else None

    logging_class.success_handler = success_handler
    logging_class.async_success_handler = async_success_handler
    return True


# litellm's global success listeners: callbacks of every kind, and the success-only lists.
_GLOBAL_LISTENERS = ("callbacks", "success_callback", "_async_success_callback")


def _unpriced(self: Any, *args: Any, **kwargs: Any) -> None:
    """litellm's callers take None as "no price known" (as for a model it cannot price)."""
    return None
