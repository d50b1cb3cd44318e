"""Per-turn counters, reset whenever the user has spoken since they were last written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nodes.history import current_turn_id


def turn_of(state: Mapping[str, Any]) -> dict[str, Any]:
    """This turn's counters (iterations, compactions, doom fires, plan reminders), fresh
    for a new turn."""
    turn_id = current_turn_id(state.get("messages") or [])
    turn = dict(state.get("turn") or {})
    if turn.get("id") != turn_id:
        turn = {
            "id": turn_id,
            "iterations": 0,
            "compactions": 0,
            "doom_fires": 0,
            "plan_reminders": 0,
        }
    return turn
