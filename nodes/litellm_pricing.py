"""litellm's own pricing of each response, which ml-intern never reads, skipped.

litellm prices every response three times (when it assembles a stream's usage, when it
stamps the response's hidden fields, in its success log), each a walk of its model list with
fallbacks for a model it does not know: ~20% of a model call's CPU (3.4 ms of 17 ms, an
OpenAI-compatible streamed step) and ~11% of a busy `ml-intern web`'s. ml-intern prices a
call itself from the usage (nodes/usage.py `call_cost`: the configured price, else litellm's
`cost_per_token`), so litellm's figure went nowhere. With this its response carries no
`response_cost`; usage, streaming and errors are untouched.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> bool:
    """Make litellm's per-response pricing a no-op (once); False when litellm moved it."""
    global _installed
    if _installed:
        return True
    from litellm.litellm_core_utils.litellm_logging import Logging

    if not callable(getattr(Logging, "_response_cost_calculator", None)):
        return False
    Logging._response_cost_calculator = _unpriced  # type: ignore[method-assign]
    _installed = True
    return True


def _unpriced(self: Any, *args: Any, **kwargs: Any) -> None:
    """litellm's callers take None as "no price known" (as for a model it cannot price)."""
    return None
