"""Per-turn counters, reset whenever the user has spoken since they were last written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from adaptations.turn import Turn, new_turn
from nodes.history import current_turn_id


def turn_of(state: Mapping[str, Any]) -> Turn:
    """This turn's counters (adaptations/turn.py), fresh for a new turn. A turn stored by an
    older checkpoint lacks the counters added since: they read as unset (0, {}), and a key
    it holds that is no longer declared is dropped. The rules' memory is copied, so a node
    changing it never writes through to the stored state."""
    turn_id = current_turn_id(state.get("messages") or [])
    turn = state.get("turn") or {}
    if turn.get("id") != turn_id:
        return new_turn(turn_id)
    fresh = new_turn(turn_id)
    kept = {key: value for key, value in turn.items() if key in fresh}
    rules = {key: dict(value) for key, value in (turn.get("rules") or {}).items()}
    return cast(Turn, {**fresh, **kept, "rules": rules})
