"""A rule that asks the model again in a step (a runaway loop, a repeated dead end) drops a
reply: that reply is a model call of the turn like any other, counted here.

Its tokens are added to the step's wasted usage (and streamed as a usage event), and it counts
toward the turn's `max_iterations`: a rule asks again only while the turn may make another
call after this one, so no turn makes more model calls than its limit.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage
from langgraph.config import get_stream_writer

from adaptations.hooks import ModelStep
from models.usage import call_usage, sum_usage


def may_ask_again(step: ModelStep) -> bool:
    """The turn may make another model call after the one `step` just made."""
    return step.calls_left is None or step.calls_left > 1


def count_dropped(step: ModelStep, dropped: AIMessage) -> None:
    """`dropped`, a reply asked again, counted: its usage and one model call of the turn."""
    step.turn["iterations"] += 1
    if step.calls_left is not None:
        step.calls_left -= 1
    spent = call_usage(step.profile, step.prompt, dropped)
    step.wasted = sum_usage(step.wasted, spent) if step.wasted else spent
    get_stream_writer()({"type": "usage", "model": step.profile.model_id, **spent})
