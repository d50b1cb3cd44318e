"""The turn's counters, one typed map (`AgentState.turn`): the nodes and the rules for weaker
models count here, so it is declared at the lowest layer that writes it.

`nodes/turn.py` `turn_of` hands each node this turn's map, every counter set; a new user
message (a new `id`) starts a fresh one. tests/nodes/test_turn.py checks that every key the
code uses is declared here and every key declared is used.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict


class Turn(TypedDict):
    """This turn's counters; a turn stored before a counter was added lacks it (`turn_of`)."""

    id: str  # the turn's user message (nodes/history.py current_turn_id)
    iterations: int  # model calls (call_model; run.max_iterations stops the turn)
    compactions: int  # compactions since the last model call (compact, call_model's overflow)
    doom_fires: int  # loop warnings (doom_check; a second one stops the turn)
    plan_reminders: int  # unfinished-plan reminders to a headless answer (plan_guard)
    # The rules' memory across the turn's steps, each under its own key (adaptations/hooks.py
    # `memory`): a note sent once a turn, a retry taken, what asked files held at its start.
    rules: dict[str, dict[str, Any]]


def new_turn(turn_id: str) -> Turn:
    """A turn's counters before anything has counted."""
    return Turn(id=turn_id, iterations=0, compactions=0, doom_fires=0, plan_reminders=0, rules={})
