"""The loops the nodes run over a thread's active rules at the model and call hooks, and the
tally of the rules that fired in a node's step (`counted`).

A rule fired when one of its hooks acted: `note_lines` added a line to the runtime note,
`before_model` changed the request, `wrap_model_call` asked again or otherwise, `after_model`
changed the reply, `check_reply` sent a note, `wrap_tool_call` answered a call, `policy` had
the approval policy deny one (its answer to it stood), `loop_guard` said the loop guard's
words, a tool hook added to a result (tools/tool_rules.py), or the step read a switch of the
prompt's shape it set (adaptations/hooks.py `RunShape`). A hook that raised did not act. Each
node's step counts each rule once; the thread's state sums them (graph/state.py
`rules_fired`).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from adaptations.hooks import ModelStep, Pending, RuntimeNote
from adaptations.rule import FAILED_RULES, Handler, Rule, applied, fired, hooked
from models.messages import note
from tools.adaptation_guard import counting, dropped

_RAISED = object()
Node = Callable[..., Awaitable[Any]]


def counted(node: Node) -> Node:
    """`node` with the rules that fired in its step added to its update's `rules_fired`
    ({rule: 1}, with what the node reports itself: a sub-agent's); an update that is not a
    dict, or a step in which none fired, is as it was."""

    @functools.wraps(node)
    async def step(*args: Any, **kwargs: Any) -> Any:
        with counting() as tally:
            update = await node(*args, **kwargs)
        if isinstance(update, dict) and (names := tally.names()):
            counts = dict(update.get("rules_fired") or {})
            for name in names:
                counts[name] = counts.get(name, 0) + 1
            return {**update, "rules_fired": counts}
        return update

    return step


async def note_lines(rules: Sequence[Rule], note: RuntimeNote) -> list[str]:
    """The `note_lines` loop: the lines the rules add to the runtime note, in the rules'
    order, each rule shown those added before its own (`RuntimeNote.above`); a rule that
    added one fired, one that raised is dropped (its lines left out)."""
    lines: list[str] = []
    for rule in rules:
        if rule.name in FAILED_RULES or type(rule).note_lines is Rule.note_lines:
            continue
        try:
            added = list(await rule.note_lines(replace(note, above=tuple(lines))))
        except Exception as error:
            dropped(rule.name, error)
            continue
        if added:
            fired(rule.name)
            lines += added
    return lines


def before_model(rules: Sequence[Rule], step: ModelStep) -> None:
    """The `before_model` loop: a rule that changed the request (its messages, its options,
    the notes stored before the reply, whether its calls run) fired."""
    for rule in rules:
        was = _request(step)
        ran = applied(rule.name, partial(rule.before_model, step), _RAISED) is not _RAISED
        if ran and _request(step) != was:
            fired(rule.name)


def _request(step: ModelStep) -> tuple[Any, ...]:
    return (
        list(map(id, step.prompt)),
        list(map(id, step.ahead)),
        dict(step.kwargs),
        step.answer_now,
    )


def after_model(rules: Sequence[Rule], step: ModelStep, response: AIMessage) -> AIMessage:
    """The `after_model` loop: the reply as the rules keep it (a rule that changed it fired)."""
    for rule in rules:
        response = hooked(rule.name, partial(rule.after_model, step, response), response)
    return response


def sent_back(rules: Sequence[Rule], step: ModelStep) -> BaseMessage | None:
    """The `check_reply` loop: the first note a rule sends the final answer back with, each
    once a turn per rule's `memory_key`; a rule that raises is dropped."""
    for rule in rules:
        if step.turn["rules"].get(rule.memory_key, {}).get("sent") or rule.note is None:
            continue
        if said := hooked(rule.name, lambda rule=rule: rule.check_reply(step) or None, None):
            step.memory(rule)["sent"] = 1
            return note(rule.note, said)
    return None


def loop_guard(rules: Sequence[Rule], what: str) -> str | None:
    """The `loop_guard` loop: the first rule's words for the loop guard (it fired), or None
    for the guard's own."""
    for rule in rules:
        if said := hooked(rule.name, lambda rule=rule: rule.loop_guard(what) or None, None):
            return said
    return None


def policy_denials(rules: Sequence[Rule], pending: Pending) -> dict[str, ToolMessage]:
    """The `policy` loop: the answers, by call id, to the reply's calls the rules ask the
    approval policy to deny (the first rule's answer to a call stands; a rule whose answer
    stood for a call fired). Blocking (a rule may read the workspace): run off the loop."""
    denied: dict[str, ToolMessage] = {}
    for rule in rules:
        asked = applied(rule.name, partial(rule.policy, pending), {})
        if new := {call_id: answer for call_id, answer in asked.items() if call_id not in denied}:
            denied |= new
            fired(rule.name)
    return denied


def wrapped(rules: Sequence[Rule], step: ModelStep, handler: Handler) -> Handler:
    """The model call with each rule's `wrap_model_call` around it, the first rule outermost
    (as LangChain's middleware). A rule whose wrap raises before its handler answered is
    dropped: the call goes on through the next. A wrap that asked other than once, with
    other options, or kept another reply, fired."""
    for rule in reversed(rules):
        wraps = type(rule).wrap_model_call is not Rule.wrap_model_call
        if wraps and rule.name not in FAILED_RULES:  # the rules that wrap, not dropped
            handler = partial(_guarded_wrap, rule, step, handler)
    return handler


async def _guarded_wrap(
    rule: Rule, step: ModelStep, handler: Handler, kwargs: dict[str, Any]
) -> AIMessage:
    """`rule.wrap_model_call` around `handler`; when the rule itself raises, it is dropped and
    the model's last reply stands (or the model is asked without it). The model's own
    errors pass."""
    asked: list[dict[str, Any]] = []
    answered: list[AIMessage] = []
    failed: list[BaseException] = []

    async def inner(sent: dict[str, Any]) -> AIMessage:
        asked.append(sent)
        try:
            answered.append(await handler(sent))
        except BaseException as error:
            failed.append(error)
            raise
        return answered[-1]

    try:
        reply = await rule.wrap_model_call(step, kwargs, inner)
    except Exception as error:
        if any(error is seen for seen in failed):
            raise
        dropped(rule.name, error)
        return answered[-1] if answered else await handler(kwargs)
    if asked != [kwargs] or not answered or reply is not answered[-1]:
        fired(rule.name)
    return reply
