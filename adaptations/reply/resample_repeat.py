"""A reply that makes again a call of the model's previous step in this turn, a call that failed
or wrote files, is a greedy loop: the same prompt gets the same reply, and the same call gets
the same result. Asked again with sampling on, the model may take another road.

A call repeats when its tool and arguments are those of a call in the previous step. It is
worth asking again only when running it again cannot show anything new: its result was a
failure (a command's non-zero exit, a timeout, a tool's error) or it wrote files (the same
arguments write the same again). A command that ended well may be polling something that
changes (a log, a job), and is left to run.

At temperature 0 a 1.5B model ran the same failing program three times in four of the dev
set's unsolved tasks (f1-confusion, fix-bug, train-classifier; dataset-card's `write`), then
was told to answer; sampled at 0.8, the same model took other roads.

Why: greedy decoding loops on a failing call (docs/lab/2026-11-30.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from adaptations.calls.repeat_call import same_call
from models.messages import note_kind, results_by_call
from tools.outcome import outcome_of

RESAMPLE_TEMPERATURE = 0.8  # llama.cpp's own default, the peers' sampling on the same server
RESAMPLES = 2  # asked again at most this often for one step; the last reply stands


def repeats_dead_end(since_request: Sequence[BaseMessage], reply: AIMessage) -> bool:
    """Each call of `reply` makes again a call of the previous step (the last AI message with
    calls in `since_request`, the turn's messages after its request) whose result was a
    failure or which wrote files: a reply that also changes something (an edit, then the same
    check) is a new road."""
    previous = _previous_step(since_request)
    if previous is None or not reply.tool_calls:
        return False
    message, results = previous
    return all(
        any(
            same_call(call, earlier) and _dead_end(results.get(earlier.get("id") or ""))
            for earlier in message.tool_calls
        )
        for call in reply.tool_calls
    )


def _previous_step(
    messages: Sequence[BaseMessage],
) -> tuple[AIMessage, dict[str, ToolMessage]] | None:
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if isinstance(message, AIMessage) and message.tool_calls:
            return message, results_by_call(list(messages), i)
    return None


def _dead_end(result: ToolMessage | None) -> bool:
    """The call failed (a non-zero exit, no exit at all, a tool's error) or wrote files. A call
    a rule or the policy answered in its place (a marked result: held, denied) did not run,
    and its answer may ask for it again."""
    if result is None or note_kind(result) is not None:
        return False
    if result.status == "error":
        return True
    found = outcome_of(result)
    if found is None:
        return False
    return bool(found.wrote) or found.exit_code != 0
