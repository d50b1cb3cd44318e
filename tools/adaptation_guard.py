"""A broken adaptation is skipped, never the end of a call or a turn; one that acts is counted.

The rules themselves are declared in adaptations/registry.py; this guard sits where both the
tools and the nodes reach it. Every loop over the rules' hooks runs each hook through
`applied` (guarded) or `hooked` (guarded and counted): a rule *fired* in a node's step when
one of its hooks answered something other than doing nothing (`idle`), or when a part of the
prompt's shape it set was used (`used`). The node opens the step's tally with `counting()`
and stores it in the thread's state (graph/state.py `rules_fired`); no loop names a rule.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

log = logging.getLogger("ml_intern.adaptations")
# Per process: the adaptations that raised and were skipped (`/status` names them).
FAILED_RULES: set[str] = set()


@dataclass
class Fired:
    """One node step's tally: the rules whose hooks acted, the prompt shape's parts the step
    used (adaptations/hooks.py `Shape` field names), and which rules set each part (noted
    when the step resolves its rules, adaptations/resolve.py `active`)."""

    rules: set[str] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)
    set_by: dict[str, set[str]] = field(default_factory=dict)

    def names(self) -> list[str]:
        """The rules that fired in the step: their hooks acted, or a part they set was used."""
        shaped = {rule for part in self.parts for rule in self.set_by.get(part, ())}
        return sorted(self.rules | shaped)


# The step running now; a tool or a hook called outside a node's step counts nowhere. Tool
# threads and tasks copy the context, so they add to the same tally.
_STEP: ContextVar[Fired | None] = ContextVar("ml_intern_rules_fired", default=None)


@contextlib.contextmanager
def counting() -> Iterator[Fired]:
    """A fresh tally for one node step (nested steps, a sub-agent's, keep their own)."""
    tally = Fired()
    token = _STEP.set(tally)
    try:
        yield tally
    finally:
        _STEP.reset(token)


def fired(rule: str) -> None:
    """Count `rule` as fired in the step running now."""
    if (tally := _STEP.get()) is not None:
        tally.rules.add(rule)


def used(*parts: str) -> None:
    """The step used these parts of the prompt's shape (the rules that set them fired)."""
    if (tally := _STEP.get()) is not None:
        tally.parts.update(parts)


def shaped_by(parts: Mapping[str, Iterable[str]]) -> None:
    """Note, for the step running now, the rules that set each part of the prompt's shape."""
    if (tally := _STEP.get()) is not None:
        for part, rules in parts.items():
            tally.set_by.setdefault(part, set()).update(rules)


def applied[T](rule: str, check: Callable[[], T], fallback: T) -> T:
    """`check()`, the work of the adaptation `rule`, or `fallback` when it raises: the rule
    is skipped, logged and remembered in `FAILED_RULES`."""
    try:
        return check()
    except Exception:
        log.exception("adaptation %s failed and was skipped", rule)
        FAILED_RULES.add(rule)
        return fallback


def hooked[T](rule: str, hook: Callable[[], T], idle: T) -> T:
    """`applied(rule, hook, idle)`, counting `rule` as fired when the hook's answer is not
    `idle` (what the hook answers when it does nothing); a hook that raises is not counted."""
    answer = applied(rule, hook, idle)
    if answer is not idle and answer != idle:
        fired(rule)
    return answer
