"""The harness's conventions on chat messages: its own notes (marked, never the user's words),
the user's last message, a content's text, and the answer to a call held back instead of run.

Pure functions over langchain messages; the nodes, the adaptations and the session share them
(nodes/history.py holds what only the graph's history needs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NewType

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

# Messages the agent itself adds to the history carry this key in
# `additional_kwargs`, so they are never mistaken for the user's words. Its value says what
# the message is: a note's kind, or why a call was held back (tests/models/test_note_kinds.py
# checks that every kind used is declared, and every kind declared is used).
MARKER = "ml_intern"
# The runtime's own messages to the model (a HumanMessage each).
NoteKind = Literal["runtime", "images", "doom_guard", "summary", "length_note", "plan_reminder"]
# A rule's own kind: a note it adds, or the answer a call it holds gets instead of running (a
# ToolMessage). The rule's class declares it with its templates (adaptations/rule.py
# `Rule.notes`, `Rule.held`); the registry collects them.
RuleKind = NewType("RuleKind", str)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def note(kind: NoteKind | RuleKind, text: str) -> HumanMessage:
    """A message from the agent runtime to the model, marked as not from the user."""
    return HumanMessage(
        content=text, additional_kwargs=marked(kind), response_metadata={"created_at": now_iso()}
    )


def marked(kind: NoteKind | RuleKind) -> dict[str, str]:
    """The `additional_kwargs` that mark a message as the agent's own, of `kind`."""
    return {MARKER: kind}


def note_kind(message: AnyMessage) -> str | None:
    return message.additional_kwargs.get(MARKER) if message.additional_kwargs else None


def is_user_message(message: AnyMessage) -> bool:
    return isinstance(message, HumanMessage) and note_kind(message) is None


def last_user_index(messages: Sequence[AnyMessage]) -> int:
    """Index of the last message the user wrote, or -1."""
    for i in range(len(messages) - 1, -1, -1):
        if is_user_message(messages[i]):
            return i
    return -1


def not_run(call: Mapping[str, Any], text: str, marker: RuleKind) -> ToolMessage:
    """The answer to a call that was held back instead of run, marked with why."""
    return ToolMessage(
        content=text,
        tool_call_id=call["id"],
        name=call["name"],
        status="error",
        additional_kwargs=marked(marker),
    )


def results_by_call(messages: Sequence[AnyMessage], ai_index: int) -> dict[str, ToolMessage]:
    """The results of the AI message at `ai_index`: tool messages after it, before the next AI message.

    Matching by position as well as id keeps providers that reuse call ids
    (e.g. "call_0" every turn) from mixing up the results of different turns.
    """
    found: dict[str, ToolMessage] = {}
    for message in messages[ai_index + 1 :]:
        if isinstance(message, AIMessage):
            break
        if isinstance(message, ToolMessage):
            found.setdefault(message.tool_call_id, message)
    return found


def text_of(content: Any) -> str:
    """The text of a message's content, whether a string or a list of blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            block if isinstance(block, str) else str(block.get("text", ""))
            for block in content
            if isinstance(block, str) or block.get("type") == "text"
        )
    return str(content)
