"""A small model loads one skill a turn; a second is answered instead of loaded.

A small window holds one playbook (about 2,000 tokens) next to the work.

Why: a 1.5B model loaded five skills in a row (docs/lab/2026-11-25.md, train-classifier).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from models.messages import RuleKind, not_run
from models.texts import ONE_SKILL

SKILL_BUDGET = RuleKind("skill_budget")  # the MARKER of such a call's answer


def second_skills(
    turn: Sequence[BaseMessage], calls: Sequence[Mapping[str, Any]]
) -> dict[str, ToolMessage]:
    """The answers, keyed by call id, for `skill` calls after the first one this turn loaded
    (earlier in the turn or earlier in the same reply)."""
    loaded = _loaded(turn)
    held: dict[str, ToolMessage] = {}
    for call in calls:
        if call["name"] != "skill":
            continue
        if loaded is not None:
            held[call["id"]] = not_run(call, ONE_SKILL.format(loaded=loaded), SKILL_BUDGET)
        else:
            loaded = str((call.get("args") or {}).get("name", ""))
    return held


def _loaded(turn: Sequence[BaseMessage]) -> str | None:
    """The name of the first skill this turn loaded (its result not an error), if any."""
    ok = {m.tool_call_id for m in turn if isinstance(m, ToolMessage) and m.status != "error"}
    for message in turn:
        for call in message.tool_calls if isinstance(message, AIMessage) else []:
            if call["name"] == "skill" and call["id"] in ok:
                return str((call.get("args") or {}).get("name", ""))
    return None
