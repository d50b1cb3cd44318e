"""A small model's change to a file, sent in the same reply as its `read` of that file, is not run.

The change, and the calls after it in the reply, are held back (the `blind-edit` rule asks the
approval policy to deny them: adaptations/calls/rules.py `BlindEdit`); this is the model's
answer, and it writes the change again from the text the `read` returns.

Why: a 1.5B model sent `read`, a blind `edit` and a rerun in one reply (docs/lab/2026-11-25.md).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import ToolMessage

from models.messages import RuleKind, not_run
from models.texts import AFTER_BLIND, BLIND_CHANGE, HOW
from tools.policy import FileRule

BLIND = RuleKind("blind_edit")  # the MARKER of a held call's answer


def blind_answers(
    calls: Sequence[Mapping[str, Any]], approvals: Mapping[str, Any]
) -> dict[str, ToolMessage]:
    """The answers, keyed by call id, to the first change to a file an earlier call of the
    reply shows (`FileRule.shows_text`) and to every call after it; empty when there is none.
    `approvals`: each tool's approval rule, by name.

    >>> from tools.policy import file_rule
    >>> rules = {"read": file_rule("read", None, shows_text=True), "edit": file_rule("write", None)}
    >>> calls = [{"name": n, "args": {"path": "a.py"}, "id": n} for n in ("read", "edit", "ls")]
    >>> list(blind_answers(calls, rules))
    ['edit', 'ls']
    """
    shown: set[str] = set()
    for i, call in enumerate(calls):
        rule, path = approvals.get(call["name"]), (call.get("args") or {}).get("path")
        if not isinstance(rule, FileRule) or not isinstance(path, str):
            continue
        if rule.shows_text:
            shown.add(posixpath.normpath(path.strip()))
        elif rule.access == "write" and posixpath.normpath(path.strip()) in shown:
            blocked = call["name"]
            text = BLIND_CHANGE.format(tool=blocked, path=path, how=HOW.get(blocked, ""))
            after = AFTER_BLIND.format(tool=blocked)
            held = {call["id"]: not_run(call, text, BLIND)}
            return held | {later["id"]: not_run(later, after, BLIND) for later in calls[i + 1 :]}
    return {}
