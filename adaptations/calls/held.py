"""The answers to the calls the approval policy denied for a rule (tools/policy.py decides,
with what the `policy` hooks add; the approval node applies it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import ToolMessage

from adaptations.calls.blind_edit import blind_answers
from adaptations.calls.left_alone import kept_answer
from tools.policy import Decision


def denied_answers(
    calls: Sequence[Mapping[str, Any]], decisions: Sequence[Decision]
) -> dict[str, ToolMessage]:
    """The answers, keyed by call id, to the calls the policy denied for a rule: a change to
    a file the request keeps, a blind change and the calls after it."""
    kept = {
        call["id"]: kept_answer(call)
        for call, decision in zip(calls, decisions, strict=True)
        if decision.reason == "left_alone"
    }
    return kept | blind_answers(calls, decisions)
