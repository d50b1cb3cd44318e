"""The context window each model's provider stated on an overflow, as the thread remembers it.

State keeps `{model: window}`: a window learned from an 8k local model must not shrink the
next model's after `/model`. Checkpoints written before that hold one number, which was
stated for the thread's model at the time. A local server is asked for its window once per
thread, before the first call (nodes/thread_rules.py), and the answer is kept the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from configs.advice import Advice
    from configs.model_profile import ModelProfile


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


def overflow_advice(advice: Advice, profile: ModelProfile) -> str:
    """What to change when even a compacted context does not fit, in words for the front
    end: a new thread helps a person; a headless run needs another setting."""
    if (fresh := advice.fresh_start()) is not None:
        return f"{fresh} Or {advice.larger_model()}."
    model = profile.model_id
    steps = []
    if profile.local:
        steps.append(
            "start the model's server with a larger context (llama-server -c, Ollama num_ctx, "
            f'vLLM --max-model-len) and set "context_window": {{"{model}": <tokens>}} in the '
            "config"
        )
    else:
        steps.append(advice.larger_model())
    if not profile.small_window:
        steps.append(
            f'turn on the compact prompt and toolset with "small_window": {{"{model}": true}}'
        )
    steps.append("or split the task into smaller runs")
    return "To fix it: " + "; ".join(steps) + "."
