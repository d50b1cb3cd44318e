"""How a model is asked for its next reply, and what its reply becomes: a small model that keeps
calling is made to answer (`answer-now`), one that just wrote numbers no tool showed is told
first (`written-unseen`), and a local model's calls written as text are made real."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from adaptations.reply.answer_now import ANSWER_KWARGS, must_answer, retold, unrun
from adaptations.reply.text_tool_calls import with_text_calls
from adaptations.reply.unseen_numbers import written_unseen_notes
from adaptations.rule import when_active
from adaptations.turn import Turn


@dataclass(frozen=True)
class Asking:
    """The prompt the model is sent, the notes stored before its reply, and whether it must
    answer now (its calls are not run)."""

    prompt: list[BaseMessage]
    ahead: list[BaseMessage] = field(default_factory=list)
    answer_now: bool = False

    @property
    def kwargs(self) -> dict[str, Any]:
        """What the request adds: no call is taken when the model must answer."""
        return dict(ANSWER_KWARGS) if self.answer_now else {}

    def reply(self, response: AIMessage, text_calls: bool) -> AIMessage:
        """The reply as kept: without calls when it had to answer, else with the calls its text
        holds made real when the profile says so (`text_calls`)."""
        if self.answer_now:
            return unrun(response)
        return with_text_calls(response) if text_calls else response


def asking(
    rules: frozenset[str],
    history: Sequence[BaseMessage],
    prompt: Sequence[BaseMessage],
    turn: Turn,
) -> Asking:
    """How the active rules ask for the next reply, given the prompt built for it."""
    if when_active(rules, "answer-now", False, must_answer, history):
        return Asking(retold(prompt), answer_now=True)
    ahead = when_active(rules, "written-unseen", [], written_unseen_notes, history, prompt, turn)
    return Asking([*prompt, *ahead], ahead)
