"""A small model that repeats the call it just made, once that call has shown it returns the
same, gets that call's result back, not a rerun.

For a small-window model the approval step answers such a call itself: the earlier result,
said plainly, with what to do next. A call is held only when its last two runs returned the
same result (or its last one was held): polling whose result changes (`tail` of a growing
log, a job's logs) is progress, as `doom_check` judges it. Large models keep every call.

Why: a 1.5B model ran `bash python3 main.py` three times over (docs/lab/2026-11-25.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage

from models.messages import RuleKind, is_user_message, marked, results_by_call
from models.texts import REPEATED, REPEATED_ON
from tools.outcome import outcome_of

REPEAT = RuleKind("repeat")  # the kind (MARKER) of a repeat's answer: the next call must answer
REPEAT_ON = RuleKind("repeat_on")  # a repeat's answer that names a step the request still needs
REPEATS = (REPEAT, REPEAT_ON)
REPEAT_OF = "ml_intern_repeat_of"  # on a repeat's answer: the result it quotes


def repeated_calls(
    messages: Sequence[AnyMessage], calls: Sequence[Mapping[str, Any]], left: str | None = None
) -> dict[str, ToolMessage]:
    """For each of `calls` identical (tool and arguments) to one of the model's previous step
    in this turn, the answer it gets instead of running: keyed by call id; `left`, what the
    request still asks for (a file to write or fix), said in place of "answer now"."""
    earlier = _previous_steps(messages)
    if not earlier:
        return {}
    answers: dict[str, ToolMessage] = {}
    for call in calls:
        last = _result_of(call, earlier[0])
        if last is None or not _settled(call, last, earlier[1:]):
            continue
        result = _real_result(last)
        text = REPEATED_ON.format(result=result, left=left) if left else None
        answers[call["id"]] = ToolMessage(
            content=text or REPEATED.format(name=call["name"], result=result),
            tool_call_id=call["id"],
            name=call["name"],
            additional_kwargs={**marked(REPEAT_ON if left else REPEAT), REPEAT_OF: result},
            artifact=_quoted(last),
        )
    return answers


Step = tuple[AIMessage, dict[str, ToolMessage]]


def _settled(call: Mapping[str, Any], last: ToolMessage, before: Sequence[Step]) -> bool:
    """The call's last result was a repeat's answer, or the step before returned the same."""
    if REPEAT_OF in (last.additional_kwargs or {}):
        return True
    first = _result_of(call, before[0]) if before else None
    return first is not None and _real_result(first) == _real_result(last)


def _result_of(call: Mapping[str, Any], step: Step) -> ToolMessage | None:
    """The result of the call in `step` identical to `call`, if any."""
    message, results = step
    same = next((c for c in message.tool_calls if same_call(c, call)), None)
    return results.get(same["id"]) if same is not None else None


def _previous_steps(messages: Sequence[AnyMessage], count: int = 2) -> list[Step]:
    """Up to `count` AI messages with calls before the last one, in this turn, latest first,
    each with its results."""
    steps: list[Step] = []
    seen_last = False
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if is_user_message(message) or len(steps) == count:
            break
        if isinstance(message, AIMessage) and message.tool_calls:
            if seen_last:
                steps.append((message, results_by_call(messages, i)))
            seen_last = True
    return steps


def same_call(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """The same tool with the same arguments (their JSON, keys sorted)."""
    return one["name"] == other["name"] and _canonical(one.get("args")) == _canonical(
        other.get("args")
    )


def _canonical(args: Any) -> str:
    return json.dumps(args or {}, sort_keys=True, separators=(",", ":"), default=str)


def _quoted(result: ToolMessage) -> dict[str, Any] | None:
    """A repeat's answer quotes the earlier result: its outcome comes along (the same exit),
    without the files it wrote, as this call wrote none."""
    found = outcome_of(result)
    return found.quoted().artifact() if found is not None else None


def _real_result(result: ToolMessage) -> str:
    """What the call really returned, also when the earlier call was itself a repeat."""
    kept = (result.additional_kwargs or {}).get(REPEAT_OF)
    if isinstance(kept, str):
        return kept
    return result.content if isinstance(result.content, str) else str(result.content)
