"""A small model that keeps calling is made to answer: asked once without tools, its calls and
their results retold as plain text.

Retold as text, the history has no call to copy. The tools are still sent, with
`tool_choice: "none"`: llama.cpp renders the tools into the start of the prompt, so a request
without them shared only the system text (988 tokens) with its cached prompt, and the next
request with tools was processed again from there (~3,000 tokens, 250 s on the benchmark's
loaded machine). A call written anyway is not run.

Why: a 1.5B model told to answer copied its history's calls (docs/lab/2026-11-25.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from adaptations.calls.repeat_call import REPEAT, REPEATS
from adaptations.reply.unseen_numbers import without_gutter
from models.messages import RuleKind, is_user_message, marked, note_kind
from models.texts import ANSWER_NOW, TOLD_CALL, TOLD_RESULT

ASKED_TO_ANSWER = RuleKind("answer_now")  # the message that retells the calls
# The request's arguments when the model must answer: its tools stay, no call is taken.
ANSWER_KWARGS = {"tool_choice": "none"}


def unrun(response: AIMessage) -> AIMessage:
    """The reply without calls (a server that ignores `tool_choice` may send some), its raw
    copy of them included, or it would be sent back."""
    extra = {k: v for k, v in response.additional_kwargs.items() if k != "tool_calls"}
    update = {"tool_calls": [], "invalid_tool_calls": [], "additional_kwargs": extra}
    return response.model_copy(update=update)


def must_answer(history: Sequence[BaseMessage]) -> bool:
    """The last step repeated its previous call (answered without a rerun), or the loop guard
    spoke: the next call goes without tools."""
    for message in reversed(history):
        kind = note_kind(message)
        if kind in ("doom_guard", REPEAT):
            return True
        if not isinstance(message, ToolMessage):
            return False
    return False


def retold(prompt: Sequence[BaseMessage]) -> list[BaseMessage]:
    """`prompt` with this turn's calls and results (after the user's last message) replaced by
    one user message that tells them as text; repeats and the agent's notes are left out."""
    start = next((i for i in range(len(prompt) - 1, -1, -1) if is_user_message(prompt[i])), -1)
    if start < 0:
        return list(prompt)
    told: dict[str, str] = {}  # a call made again (a cycle) is told once, with its last result
    results = {m.tool_call_id: m for m in prompt[start:] if isinstance(m, ToolMessage)}
    for message in prompt[start + 1 :]:
        if not isinstance(message, AIMessage):
            continue
        for call in message.tool_calls:
            result = results.get(call["id"])
            if result is None or note_kind(result) in REPEATS:
                continue
            args = json.dumps(call.get("args") or {}, ensure_ascii=False)
            said = TOLD_CALL.format(name=call["name"], args=args)
            told.pop(said, None)
            told[said] = TOLD_RESULT.format(call=said, result=without_gutter(result))
    if not told:
        return list(prompt)
    ask = HumanMessage(
        content=ANSWER_NOW.format(calls="\n\n".join(told.values())),
        additional_kwargs=marked(ASKED_TO_ANSWER),
    )
    return [*prompt[: start + 1], ask]
