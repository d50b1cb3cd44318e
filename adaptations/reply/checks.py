"""The `reply` adaptations: a small model's final answer checked before it ends the turn,
and sent back once a turn with a note when it was cut, is empty, leaves an asked file
undone, states numbers no tool showed, or speaks of files it never read
(adaptations/registry.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from adaptations.reply.asked_changes import asked_note, file_digests
from adaptations.reply.asked_reads import unread_files, unread_note
from adaptations.reply.unseen_numbers import (
    landed_writes,
    names_a_source,
    unseen_note,
    unseen_numbers,
    unseen_written,
    unseen_written_note,
)
from adaptations.turn import ReplyCheck, Turn
from models.messages import last_user_index, note, text_of
from models.texts import CUT_REPLY_NOTE, EMPTY_REPLY_NOTE
from tools.adaptation_guard import applied

# The rules that check a reply before it ends the turn (adaptations/registry.py).
REPLY_RULES = frozenset(
    {"cut-reply", "empty-reply", "asked-files", "asked-changes", "unseen-numbers", "unread-files"}
)


@dataclass(frozen=True)
class SmallChecks:
    """What a reply is checked against before it ends the turn: the active reply rules, the
    reply limit, the prompt it was shown (its numbers), and the request, workspace and turn
    so far (the files it asks for)."""

    limit: int | None
    shown: Sequence[BaseMessage]
    request: str
    workspace: Path
    turn: Sequence[BaseMessage]  # the messages after the request
    before: Mapping[str, str]  # what the files it asks to fix held as the turn began
    rules: frozenset[str] = frozenset()

    def uses(self, rule: str) -> bool:
        return rule in self.rules


def sent_back(response: AIMessage, turn: Turn, small: SmallChecks) -> BaseMessage | None:
    """The note that sends a final answer back to work (each kind once a turn), or None."""
    cut = small.limit and _was_cut(response)
    if small.uses("cut-reply") and cut and not turn["cut_replies"]:
        turn["cut_replies"] = 1
        return note("cut_reply", CUT_REPLY_NOTE.format(limit=small.limit))
    empty = not text_of(response.content).strip()
    if small.uses("empty-reply") and empty and not turn["empty_replies"]:
        turn["empty_replies"] = 1
        return note("empty_reply", EMPTY_REPLY_NOTE)
    for rule, kind, ask in _reply_checks(response, small):
        if small.uses(rule) and not turn[kind] and (said := applied(rule, ask, None)):
            turn[kind] = 1
            return note(kind, said)
    return None


def _reply_checks(
    response: AIMessage, small: SmallChecks
) -> list[tuple[str, ReplyCheck, Callable[[], str | None]]]:
    """The reply rules that send an answer back once a turn: (rule, note kind, its note)."""
    return [
        ("asked-files", "asked_files", partial(_asked, small, True, False)),
        ("asked-changes", "asked_files", partial(_asked, small, False, True)),
        ("unseen-numbers", "unseen_numbers", partial(_unseen, response, small)),
        ("unread-files", "unread_files", partial(_unread, small)),
    ]


def _asked(small: SmallChecks, files: bool, changes: bool) -> str | None:
    return asked_note(
        small.request, small.workspace, small.turn, small.before, files=files, changes=changes
    )


def _unread(small: SmallChecks) -> str | None:
    unread = unread_files(small.request, small.workspace, small.turn)
    return unread_note(unread, small.request) if unread else None


def _unseen(response: AIMessage, small: SmallChecks) -> str | None:
    """The note for numbers a small model states, or wrote this turn in a file of facts, that
    no tool result showed, when the request names a file they could come from; None when
    there are none."""
    if not names_a_source(small.request):
        return None
    if numbers := unseen_numbers(text_of(response.content), small.shown):
        return unseen_note(numbers)
    if written := unseen_written(landed_writes(small.turn), small.shown, small.request):
        return unseen_written_note(*written)
    return None


def small_checks(
    limit: int | None,
    prompt: Sequence[BaseMessage],
    history: Sequence[BaseMessage],
    workspace: Any,
    turn: Turn,
    rules: frozenset[str] = frozenset(),
) -> SmallChecks | None:
    """What a small model's answer is checked against, taken before a retelling; the files
    it is asked to fix are hashed on the turn's first call, before any tool has run. None
    when no reply rule is active."""
    if not rules & REPLY_RULES:
        return None
    i = last_user_index(history)
    request = text_of(history[i].content) if i >= 0 else ""
    root = Path(workspace or ".")
    before = turn["asked_digests"]
    if before is None:
        before = turn["asked_digests"] = file_digests(request, root)
    return SmallChecks(limit, prompt, request, root, history[i + 1 :], before, rules)


def _was_cut(response: AIMessage) -> bool:
    return (response.response_metadata or {}).get("finish_reason") == "length"
