"""The `call` rules on one reply's calls: those answered without running, and the answers to
those the policy denied for a rule (tools/policy.py decides; the approval node applies both)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from langchain_core.messages import ToolMessage

from adaptations.calls.blind_edit import blind_answers
from adaptations.calls.left_alone import kept_answer
from adaptations.calls.repeat_call import repeated_calls
from adaptations.calls.skill_budget import second_skills
from adaptations.reply.asked_changes import asked_note
from adaptations.rule import applied
from models.messages import last_user_index, text_of
from tools.policy import Decision

# The rules that answer a call instead of running it (adaptations/registry.py); `blind-edit`
# and `left-alone` are the policy's (`PolicyContext`).
ANSWERING_RULES = frozenset({"repeat-call", "skill-budget"})


async def answered_calls(
    state: Mapping[str, Any],
    calls: Sequence[Mapping[str, Any]],
    workspace: Any,
    rules: frozenset[str],
) -> dict[str, ToolMessage]:
    """The calls the active rules answer without running, keyed by call id: repeats of the
    previous call (said with what the request still asks for, if anything), and a second
    skill in one turn."""
    if not calls or not rules & ANSWERING_RULES:
        return {}
    messages = state["messages"]
    i = last_user_index(messages)
    turn = messages[i + 1 :] if i >= 0 else messages

    def held_by(rule: str, find: Callable[[], Mapping[str, ToolMessage]]) -> dict[str, ToolMessage]:
        return dict(applied(rule, find, {})) if rule in rules else {}

    repeats = held_by("repeat-call", lambda: repeated_calls(messages, calls))
    held = held_by("skill-budget", lambda: second_skills(turn, calls))
    if repeats and i >= 0:  # said again with what the request still asks for, if anything
        request = text_of(messages[i].content)
        digests = (state.get("turn") or {}).get("asked_digests")
        root = Path(workspace or ".")
        asked = partial(asked_note, files="asked-files" in rules, changes="asked-changes" in rules)
        left = await asyncio.to_thread(asked, request, root, turn, digests)
        repeats = repeated_calls(messages, calls, left) if left else repeats
    return held | repeats


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
