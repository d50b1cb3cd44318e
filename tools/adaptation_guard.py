"""A broken adaptation is skipped, never the end of a call or a turn.

The rules themselves are declared in adaptations/registry.py; this guard sits where both the
tools and the nodes reach it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger("ml_intern.adaptations")
# Per process: the adaptations that raised and were skipped (`/status` names them).
FAILED_RULES: set[str] = set()


def applied[T](rule: str, check: Callable[[], T], fallback: T) -> T:
    """`check()`, the work of the adaptation `rule`, or `fallback` when it raises: the rule
    is skipped, logged and remembered in `FAILED_RULES`."""
    try:
        return check()
    except Exception:
        log.exception("adaptation %s failed and was skipped", rule)
        FAILED_RULES.add(rule)
        return fallback
