"""A broken adaptation is dropped, never the end of a call or a turn; one that acts is counted.

The rules themselves are declared in adaptations/registry.py; this guard sits where both the
tools and the nodes reach it. Every loop over the rules' hooks runs each hook through
`applied` (guarded) or `hooked` (guarded and counted): a rule *fired* in a node's step when
one of its hooks answered something other than doing nothing (`idle`), or when the step read
a part of the prompt's shape it set (adaptations/hooks.py `RunShape` counts the read). The
node opens the step's tally with `counting()` and stores it in the thread's state
(graph/state.py `rules_fired`); no loop and no reader names a rule or a part.

A rule whose hook raised is dropped for the rest of the process (`dropped`): said once,
naming it, recorded for `ml-intern models show` (configs/rule_failures.py), and none of its
hooks is called again, in any thread or role.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from configs.environment import ml_intern_home
from configs.rule_failures import RuleFailure, one_line, record_failure

log = logging.getLogger("ml_intern.adaptations")
# Per process: the rules whose hook raised, dropped (`/status` names them).
FAILED_RULES: dict[str, RuleFailure] = {}
# The model whose rules are being resolved or run now (adaptations/resolve.py notes it).
_MODEL: ContextVar[str] = ContextVar("ml_intern_rules_model", default="")
_WRITERS: list[threading.Thread] = []


@dataclass
class Fired:
    """One node step's tally: the rules whose hooks acted or whose part of the prompt's shape
    the step read."""

    rules: set[str] = field(default_factory=set)

    def names(self) -> list[str]:
        """The rules that fired in the step, by name."""
        return sorted(self.rules)


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


def fired(*rules: str) -> None:
    """Count `rules` as fired in the step running now."""
    if (tally := _STEP.get()) is not None:
        tally.rules.update(rules)


def applied[T](rule: str, check: Callable[[], T], fallback: T) -> T:
    """`check()`, the work of the adaptation `rule`, or `fallback` when it raises (the rule
    is `dropped`) or was dropped before in this process."""
    if rule in FAILED_RULES:
        return fallback
    try:
        return check()
    except Exception as error:
        dropped(rule, error)
        return fallback


def for_model(model: str) -> None:
    """Note the model whose rules run now in this context (a failure names it)."""
    _MODEL.set(model)


def dropped(rule: str, error: BaseException) -> None:
    """Drop `rule` for the rest of the process: every hook of it answers as if absent from now
    on (`applied`), the log says so once, naming it, and the failure is recorded for
    `ml-intern models show` (by a thread: a node's hooks run on the event loop). Every thread
    and role goes on without it, as every one of them runs the one object.
    Why: a hook that raised is a bug in the rule; kept, it would raise at every step."""
    failure = RuleFailure(rule, _MODEL.get(), one_line(f"{type(error).__name__}: {error}"),
                          time.time())  # fmt: skip
    if FAILED_RULES.setdefault(rule, failure) is not failure:
        return  # a call of it in another thread raised first
    log.error("%s", dropped_message(failure), exc_info=error)
    home = ml_intern_home()  # now: the thread may run after the environment changed
    writer = threading.Thread(target=_record, args=(failure, home), name="ml-intern-rule-failure")
    _WRITERS.append(writer)
    writer.start()


def dropped_message(failure: RuleFailure) -> str:
    """What the log says when a rule is dropped."""
    model = failure.model or "MODEL"
    return (
        f"adaptation {failure.rule!r} raised ({failure.error})"
        + (f" with {failure.model}" if failure.model else "")
        + f" and is dropped: this process goes on without it. `ml-intern models show {model}`"
        " marks it; the traceback follows."
    )


def _record(failure: RuleFailure, home: Path) -> None:
    from tools.secrets import redact  # what the error said may hold a secret

    said = RuleFailure(failure.rule, failure.model, redact(failure.error), failure.at)
    try:
        record_failure(said, home)
    except OSError as error:
        log.warning("the failure of adaptation %r was not recorded: %s", failure.rule, error)


def records_written() -> None:
    """Wait for the failures being recorded (the interpreter waits for them at exit too)."""
    while _WRITERS:
        _WRITERS.pop().join()


def hooked[T](rule: str, hook: Callable[[], T], idle: T) -> T:
    """`applied(rule, hook, idle)`, counting `rule` as fired when the hook's answer is not
    `idle` (what the hook answers when it does nothing); a hook that raises is not counted."""
    answer = applied(rule, hook, idle)
    if answer is not idle and answer != idle:
        fired(rule)
    return answer
