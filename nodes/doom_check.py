"""doom_check: notice when the model repeats itself and make it change course.

A repetition is judged on (tool, arguments, result): polling whose result
changes is progress, not a loop.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from langgraph.types import interrupt

from adaptations.loops import loop_guard
from models.message_memo import PerMessage
from models.messages import is_user_message, note, note_kind, results_by_call
from models.texts import GUARD, REPEATING
from nodes.deps import AgentDeps
from nodes.run_options import run_context
from nodes.thread_rules import thread_rules
from nodes.turn import turn_of

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.runtime import Runtime


def signature(name: str, args: Any, result: Any) -> str:
    return _signed(name, _canonical(args), result)


def _canonical(args: Any) -> str:
    return json.dumps(args, sort_keys=True, separators=(",", ":"), default=str)


def _signed(name: str, canonical: str, result: Any) -> str:
    digest = hashlib.sha256(f"{canonical}\x00{result}".encode(errors="replace")).hexdigest()[:16]
    return f"{name}:{digest}"


# Per result message, the signatures of the calls it answered: the guard looks at the last ten
# calls on every step, and hashing their results again (20 KB a `read`) was most of its cost.
_signatures: PerMessage[dict[tuple[str, str], str]] = PerMessage(lambda _result: {})


def _result_signature(call: Mapping[str, Any], result: ToolMessage) -> str:
    """`signature` of `call` and its `result`, the result hashed once for the call."""
    key = (call["name"], _canonical(call.get("args")))
    known = _signatures(result)
    if key not in known:
        known[key] = _signed(*key, result.content)
    return known[key]


# detect_loop looks at most at two 5-call cycles: older calls never change its answer.
TAIL = 10


def tool_signatures(messages: Sequence[AnyMessage], limit: int = TAIL) -> list[str]:
    """The last `limit` signatures of this turn's answered calls after the last loop warning.

    Walks back from the end, so the cost per step does not grow with the history.
    """
    groups: list[list[str]] = []
    found = 0
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if note_kind(message) == "doom_guard" or is_user_message(message):
            break
        if isinstance(message, AIMessage) and message.tool_calls:
            results = results_by_call(messages, i)
            group = [
                _result_signature(call, results[call["id"]])
                for call in message.tool_calls
                if call["id"] in results
            ]
            groups.append(group)
            found += len(group)
            if found >= limit:
                break
    ordered = [sig for group in reversed(groups) for sig in group]
    return ordered[-limit:]


def detect_loop(signatures: Sequence[str]) -> list[str] | None:
    """The repeating unit at the tail: 3 identical calls, or a 2-5 call cycle seen twice."""
    if len(signatures) >= 3 and len(set(signatures[-3:])) == 1:
        return [signatures[-1]]
    for size in range(2, 6):
        unit = signatures[-size:]
        repeated = len(signatures) >= 2 * size and unit == signatures[-2 * size : -size]
        if repeated and len(set(unit)) > 1:
            return list(unit)
    return None


async def doom_check(
    state: Mapping[str, Any], config: RunnableConfig, runtime: Runtime, *, deps: AgentDeps
) -> dict[str, Any]:
    messages = state.get("messages") or []
    loop = detect_loop(tool_signatures(messages))
    if loop is None:
        return {}
    turn = turn_of(state)
    # A second loop in the same turn escalates: headless ends the turn, a human decides otherwise.
    headless = run_context(runtime, config, deps).mode == "headless"
    if turn["doom_fires"] >= 1 and (headless or not _user_says_continue(loop)):
        return {"turn": turn, "stop_reason": "doom_loop"}
    turn["doom_fires"] += 1
    names = sorted({s.split(":", 1)[0] for s in loop})
    what = REPEATING["cycle" if len(loop) > 1 else "again"].format(names=", ".join(names))
    model_id = state.get("model") or deps.settings.model_name
    resolved, _ = await thread_rules(state, model_id, deps.settings, deps.role)
    guard = loop_guard(resolved.active.rules, what) or GUARD.format(what=what)
    return {"messages": [note("doom_guard", guard)], "turn": turn}


def _user_says_continue(loop: Sequence[str]) -> bool:
    """Interactive escalation: the second loop in a turn asks the human whether to go on."""
    answer = interrupt(
        {
            "kind": "doom_loop",
            "action_requests": [
                {
                    "name": "continue_after_loop",
                    "args": {"repeated": list(loop)},
                    "description": "The agent is still repeating the same tool calls after a warning. "
                    "Approve to let it continue, reject to end this turn.",
                }
            ],
        }
    )
    decisions = answer.get("decisions") if isinstance(answer, Mapping) else answer
    first = decisions[0] if isinstance(decisions, list) and decisions else {}
    kind = first.get("type") if isinstance(first, Mapping) else first
    return kind == "approve"
