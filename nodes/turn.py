"""Per-turn counters, reset whenever the user has spoken since they were last written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from adaptations.turn import Turn, new_turn
from nodes.history import current_turn_id


def turn_of(state: Mapping[str, Any]) -> Turn:
    """This turn's counters (adaptations/turn.py), fresh for a new turn. A turn stored by an
    older checkpoint lacks the counters added since: they read as unset (0, None)."""
    turn_id = current_turn_id(state.get("messages") or [])
    turn = state.get("turn") or {}
    if turn.get("id") != turn_id:
        return new_turn(turn_id)
    return cast(Turn, {**new_turn(turn_id), **turn})
