"""The context window each model's provider stated on an overflow, as the thread remembers it.

State keeps `{model: window}`: a window learned from an 8k local model must not shrink the
next model's after `/model`. Checkpoints written before that hold one number, which was
stated for the thread's model at the time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def stated_windows(state: Mapping[str, Any], default_model: str) -> dict[str, int]:
    """`{model: window}` from state; an older checkpoint's single value belongs to the
    thread's model (`default_model` when the thread never named one)."""
    value = state.get("context_window")
    if isinstance(value, Mapping):
        return {str(model): int(window) for model, window in value.items()}
    if isinstance(value, int):
        return {state.get("model") or default_model: value}
    return {}


def with_stated_window(
    state: Mapping[str, Any], default_model: str, model_id: str, window: int
) -> dict[str, int]:
    """The remembered windows with `model_id`'s set to `window`: the new state value."""
    return {**stated_windows(state, default_model), model_id: window}
