"""A small model's change to a file, sent in the same reply as its `read` of that file, is not run.

The change, and the calls after it in the reply, are held back (tools/policy.py `judge_reply`
denies them while the `blind-edit` rule is active); this is the model's answer, and it writes
the change again from the text the `read` returns.

Why: a 1.5B model sent `read`, a blind `edit` and a rerun in one reply (docs/lab/2026-11-25.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import ToolMessage

from models.messages import RuleKind, not_run
from models.texts import AFTER_BLIND, BLIND_CHANGE, HOW
from tools.policy import Decision

BLIND = RuleKind("blind_edit")  # the MARKER of a held call's answer


def blind_answers(
    calls: Sequence[Mapping[str, Any]], decisions: Sequence[Decision]
) -> dict[str, ToolMessage]:
    """The answers, keyed by call id, to the calls the policy denied as a blind change or as a
    call after one; empty when there is none."""
    held: dict[str, ToolMessage] = {}
    blocked = ""
    for call, decision in zip(calls, decisions, strict=True):
        if decision.reason == "blind_edit":
            blocked, path = call["name"], (call.get("args") or {}).get("path")
            text = BLIND_CHANGE.format(tool=blocked, path=path, how=HOW.get(blocked, ""))
            held[call["id"]] = not_run(call, text, BLIND)
        elif decision.reason == "after_blind":
            held[call["id"]] = not_run(call, AFTER_BLIND.format(tool=blocked), BLIND)
    return held
