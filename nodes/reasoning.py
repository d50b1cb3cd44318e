"""Reasoning effort: passed to models that take it, a one-line notice for those that do not."""

from __future__ import annotations

from functools import cache
from typing import Any

from langgraph.config import get_stream_writer

EFFORTS = ("minimal", "low", "medium", "high")
_noticed: set[tuple[str, str]] = set()


@cache
def takes_effort(model_id: str) -> bool:
    """Whether litellm knows `model_id` to accept `reasoning_effort` (it maps it per provider:
    OpenAI's reasoning_effort, Anthropic's thinking budget, ...)."""
    import litellm

    try:
        return bool(litellm.supports_reasoning(model=model_id))
    except Exception:
        return False


def effort_kwargs(model_id: str, effort: str | None) -> dict[str, Any]:
    """The request's extra arguments for `effort`; a notice (once) when the model has none."""
    if not effort:
        return {}
    if takes_effort(model_id):
        return {"reasoning_effort": effort}
    if (model_id, effort) not in _noticed:
        _noticed.add((model_id, effort))
        get_stream_writer()(
            {
                "type": "error",
                "warning": True,
                "message": f"{model_id} does not take a reasoning effort; '{effort}' is ignored.",
            }
        )
    return {}
