"""Pure functions over the message history, shared by the nodes and the session."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, ToolMessage

from models.messages import (
    is_user_message,
    last_user_index,
    note_kind,
    now_iso,
    results_by_call,
)

SUMMARISED_CALLS = "ml_intern_calls"  # on a summary note: the ids of the calls it replaced

# `response_metadata` key: the model id (ours, as the thread names it) that wrote an AI message.
WRITER = "written_by"

INTERRUPTED = (
    "[interrupted] This tool call did not finish: the run was stopped (cancelled, "
    "crashed or superseded by a new user message) before it returned. It may have "
    "partly run; check before repeating it."
)


def user_message(text: str, images: Sequence[str] = ()) -> HumanMessage:
    """A person's message, stamped: its text, then its images (data URLs) as image blocks."""
    blocks = [{"type": "image_url", "image_url": {"url": url}} for url in images]
    content: Any = [{"type": "text", "text": text}, *blocks] if blocks else text
    return stamped(HumanMessage(content=content, id=str(uuid.uuid4())))


def stamped[MessageT: BaseMessage](message: MessageT, *, written_by: str | None = None) -> MessageT:
    """The message with its creation time in `response_metadata` (for transcripts), and for a
    model's reply the model that wrote it."""
    meta = {**(message.response_metadata or {}), "created_at": now_iso()}
    if written_by is not None:
        meta[WRITER] = written_by
    return message.model_copy(update={"response_metadata": meta})


def own_reasoning_only[MessageT: BaseMessage](
    messages: Sequence[MessageT], model_id: str
) -> list[MessageT]:
    """The history as `model_id` is sent it: replies another model wrote lose their thinking text.

    ChatLiteLLM sends a reply's `reasoning_content` back to whatever model comes next; after a
    model switch that is another model's private reasoning, read by the new one as its own
    and billed as input. (Signed thinking blocks stay: ChatLiteLLM sends those only to the
    endpoint that signed them.) Replies whose writer was not recorded are left as they are.
    """
    kept: list[MessageT] = []
    for message in messages:
        writer = (message.response_metadata or {}).get(WRITER)
        extra = message.additional_kwargs or {}
        if writer not in (None, model_id) and "reasoning_content" in extra:
            rest = {k: v for k, v in extra.items() if k != "reasoning_content"}
            message = message.model_copy(update={"additional_kwargs": rest})
        kept.append(message)
    return kept


def created_at(message: AnyMessage) -> str | None:
    return (message.response_metadata or {}).get("created_at")


def calls_in(messages: Sequence[AnyMessage]) -> list[str]:
    """The ids of the tool calls a history made, in order, those a compaction summarised
    included (its summary note keeps them): the experiment ledger shows the runs they made."""
    ids: list[str] = []
    for message in messages:
        if isinstance(message, AIMessage):
            ids += [str(call["id"]) for call in message.tool_calls if call.get("id")]
        elif note_kind(message) == "summary":
            ids += [str(i) for i in message.additional_kwargs.get(SUMMARISED_CALLS) or []]
    return ids


def current_turn_id(messages: Sequence[AnyMessage]) -> str:
    i = last_user_index(messages)
    return (messages[i].id or f"idx-{i}") if i >= 0 else ""


def pending_tool_calls(messages: Sequence[AnyMessage]) -> list[dict[str, Any]]:
    """Tool calls of the last AI message that have no ToolMessage yet."""
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if isinstance(message, AIMessage):
            done = results_by_call(messages, i)
            return [dict(c) for c in message.tool_calls if c["id"] not in done]
        if is_user_message(message):
            return []
    return []


def interrupted_results(
    calls: Sequence[dict[str, Any]], text: str = INTERRUPTED
) -> list[ToolMessage]:
    return [
        ToolMessage(content=text, tool_call_id=c["id"], name=c["name"], status="error")
        for c in calls
    ]


def all_answered(messages: Sequence[AnyMessage]) -> bool:
    """True when the newest message that called tools has a result for every call."""
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if isinstance(message, AIMessage) and message.tool_calls:
            results = results_by_call(messages, i)
            return all(call["id"] in results for call in message.tool_calls)
    return True


def repair_orphans(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """Give every tool call its result right after its AI message, as providers require.

    A crash, a cancel or a new user message can leave calls unanswered: those get
    an "interrupted" ToolMessage. A result is taken from right after its call when
    it is there, else from wherever it ended up; results no call claims are dropped.
    """
    if _well_formed(messages):
        return list(messages)
    unclaimed: dict[str, list[ToolMessage]] = {}
    for message in messages:
        if isinstance(message, ToolMessage):
            unclaimed.setdefault(message.tool_call_id, []).append(message)
    repaired: list[AnyMessage] = []
    for i, message in enumerate(messages):
        if isinstance(message, ToolMessage):
            continue
        repaired.append(message)
        if isinstance(message, AIMessage) and message.tool_calls:
            nearby = results_by_call(messages, i)
            for call in message.tool_calls:
                repaired.append(_claim(unclaimed.get(call["id"], []), nearby.get(call["id"]), call))
    return repaired


def _well_formed(messages: Sequence[AnyMessage]) -> bool:
    """Every call answered right after its AI message, in call order (one cheap pass)."""
    expected: list[str] = []
    for message in messages:
        if isinstance(message, ToolMessage):
            if not expected or message.tool_call_id != expected[0]:
                return False
            expected.pop(0)
            continue
        if expected:
            return False
        if isinstance(message, AIMessage) and message.tool_calls:
            expected = [call["id"] for call in message.tool_calls]
    return not expected


def _claim(
    candidates: list[ToolMessage], preferred: ToolMessage | None, call: dict[str, Any]
) -> ToolMessage:
    for k, candidate in enumerate(candidates):
        if candidate is preferred:
            return candidates.pop(k)
    return candidates.pop(0) if candidates else interrupted_results([call])[0]


def earlier_calls(messages: Sequence[AnyMessage], tool: str) -> list[dict[str, Any]]:
    """The arguments (and `id`) of `tool`'s calls in `messages` that ran, in order, from its
    last call with `restart` on: what a `replay` runs again. Refused, rejected and unanswered
    calls did not run."""
    results = {m.tool_call_id: m for m in messages if isinstance(m, ToolMessage)}
    ran: list[dict[str, Any]] = []
    for message in messages:
        for call in message.tool_calls if isinstance(message, AIMessage) else []:
            result = results.get(call["id"])
            if call["name"] != tool or result is None or result.status == "error":
                continue
            if str(result.content).startswith("The user rejected"):
                continue
            if call["args"].get("restart") is True:
                ran = []
            ran.append({"id": call["id"], **call["args"]})
    return ran
