"""The loops the nodes run over a thread's active rules where a hook's answer is more than one
value: a final answer sent back (`check_reply`), the model call wrapped (`wrap_model_call`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from adaptations.hooks import ModelStep
from adaptations.rule import FAILED_RULES, Handler, Rule, applied
from models.messages import note

log = logging.getLogger("ml_intern.adaptations")


def sent_back(rules: Sequence[Rule], step: ModelStep) -> BaseMessage | None:
    """The `check_reply` loop: the first note a rule sends the final answer back with, each
    once a turn per rule's `memory_key`; a rule that raises is skipped."""
    for rule in rules:
        if step.turn["rules"].get(rule.memory_key, {}).get("sent") or rule.note is None:
            continue
        if said := applied(rule.name, partial(rule.check_reply, step), None):
            step.memory(rule)["sent"] = 1
            return note(rule.note, said)
    return None


def wrapped(rules: Sequence[Rule], step: ModelStep, handler: Handler) -> Handler:
    """The model call with each rule's `wrap_model_call` around it, the first rule outermost
    (as LangChain's middleware). A rule whose wrap raises before its handler answered is
    skipped: the call goes on through the next."""
    for rule in reversed(rules):
        if type(rule).wrap_model_call is not Rule.wrap_model_call:  # the rules that wrap
            handler = partial(_guarded_wrap, rule, step, handler)
    return handler


async def _guarded_wrap(
    rule: Rule, step: ModelStep, handler: Handler, kwargs: dict[str, Any]
) -> AIMessage:
    """`rule.wrap_model_call` around `handler`; when the rule itself raises, the model's last
    reply stands (or the model is asked without the rule). The model's own errors pass."""
    answered: list[AIMessage] = []
    failed: list[BaseException] = []

    async def inner(sent: dict[str, Any]) -> AIMessage:
        try:
            answered.append(await handler(sent))
        except BaseException as error:
            failed.append(error)
            raise
        return answered[-1]

    try:
        return await rule.wrap_model_call(step, kwargs, inner)
    except Exception as error:
        if any(error is seen for seen in failed):
            raise
        log.exception("adaptation %s failed and was skipped", rule.name)
        FAILED_RULES.add(rule.name)
        return answered[-1] if answered else await handler(kwargs)
