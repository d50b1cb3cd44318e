"""The `call` rules, each one class: a reply's calls answered instead of run (`RepeatCall`,
`SkillBudget`), or denied by the approval policy for a rule, with their answers (`BlindEdit`,
`LeftAlone`: their `policy` hooks), or a loop the guard caught told to answer
(`DoomAnswer`). Each declares the kinds of the answers its held calls get, with the templates
the model reads in them (`Rule.held`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from langchain_core.messages import ToolMessage

from adaptations.calls.blind_edit import BLIND, blind_answers
from adaptations.calls.left_alone import LEFT_ALONE, kept_answers
from adaptations.calls.repeat_call import REPEAT, REPEAT_ON, repeated_calls
from adaptations.calls.skill_budget import SKILL_BUDGET, second_skills
from adaptations.hooks import Pending
from adaptations.reply.asked_changes import left_alone
from adaptations.rule import Hook, Kinds, Rule, hooked
from models.texts import (
    AFTER_BLIND,
    BLIND_CHANGE,
    HOW,
    KEPT,
    ONE_SKILL,
    REPEATED,
    REPEATED_ON,
    SMALL_GUARD,
)


class RepeatCall(Rule):
    """A call repeating the previous two, which returned the same, gets that result back, said
    with what the request still asks for (the rules' `asked_left`), if anything."""

    hook: ClassVar[Hook] = "call"
    held: ClassVar[Kinds] = {REPEAT: (REPEATED,), REPEAT_ON: (REPEATED_ON,)}

    def wrap_tool_call(self, pending: Pending) -> Mapping[str, ToolMessage]:
        repeats = repeated_calls(pending.messages, pending.calls)
        if not repeats or not pending.has_request:
            return repeats
        for rule in pending.rules:
            if left := hooked(rule.name, lambda rule=rule: rule.asked_left(pending) or None, None):
                return repeated_calls(pending.messages, pending.calls, left)
        return repeats


class SkillBudget(Rule):
    """A second skill in one turn is answered instead of loaded."""

    hook: ClassVar[Hook] = "call"
    held: ClassVar[Kinds] = {SKILL_BUDGET: (ONE_SKILL,)}

    def wrap_tool_call(self, pending: Pending) -> Mapping[str, ToolMessage]:
        return second_skills(pending.since_request, pending.calls)


class BlindEdit(Rule):
    """The policy denies a change sent with the `read` of the same file, and the calls after."""

    hook: ClassVar[Hook] = "call"
    held: ClassVar[Kinds] = {BLIND: (BLIND_CHANGE, *HOW.values(), AFTER_BLIND)}

    def policy(self, pending: Pending) -> Mapping[str, ToolMessage]:
        return blind_answers(pending.calls, pending.approvals)


class LeftAlone(Rule):
    """The policy denies a change to a file the request says not to change."""

    hook: ClassVar[Hook] = "call"
    held: ClassVar[Kinds] = {LEFT_ALONE: (KEPT,)}

    def policy(self, pending: Pending) -> Mapping[str, ToolMessage]:
        return kept_answers(pending.calls, pending.approvals, left_alone(pending.request))


class DoomAnswer(Rule):
    """The loop guard's note asks for the answer (models/texts.py `SMALL_GUARD`)."""

    hook: ClassVar[Hook] = "call"

    def loop_guard(self, what: str) -> str | None:
        return SMALL_GUARD.format(what=what)
