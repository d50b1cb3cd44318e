"""Headless continuation: a model that answers while its own plan has open items is reminded.

Bounded: at most `MAX_REMINDERS` per turn, then the turn ends as `plan_unfinished`, so a
model that cannot finish never loops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import HumanMessage

from adaptations.turn import Turn
from models.messages import note
from models.texts import PLAN_ITEM, REMINDER

MAX_REMINDERS = 2


def unfinished(plan: Sequence[Mapping[str, Any]] | None) -> list[str]:
    return [str(t.get("content", "")) for t in plan or () if t.get("status") != "completed"]


def plan_guard(state: Mapping[str, Any], turn: Turn) -> tuple[HumanMessage | None, str | None]:
    """For a headless answer without tool calls: (a reminder, None) or (None, a stop reason)."""
    items = unfinished(state.get("plan"))
    if not items:
        return None, "done"
    if turn["plan_reminders"] >= MAX_REMINDERS:
        return None, "plan_unfinished"
    turn["plan_reminders"] += 1
    listed = "\n".join(PLAN_ITEM.format(item=item) for item in items)
    return note("plan_reminder", REMINDER.format(items=listed)), None
