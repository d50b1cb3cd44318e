"""A small model's `edit` or `write` of a file its request says not to change is not run: the
`left-alone` rule asks the approval policy to deny a change to one of the files the request
keeps (adaptations/calls/rules.py `LeftAlone`), and this is the model's answer.

The request's own words decide: the call is answered with them instead of running.

Why: a 1.5B model told "Do not change data.csv" edited it (docs/lab/2026-11-25.md, shifted-labels).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import ToolMessage

from models.messages import RuleKind, not_run
from models.texts import KEPT
from tools.policy import FileRule

LEFT_ALONE = RuleKind("left_alone")  # the MARKER of such a call's answer


def kept_answers(
    calls: Sequence[Mapping[str, Any]], approvals: Mapping[str, Any], kept: Sequence[str]
) -> dict[str, ToolMessage]:
    """The answers, keyed by call id, to the calls of a file tool (`approvals`: each tool's
    approval rule, by name) that change one of `kept`, the files the request keeps."""
    return {
        call["id"]: not_run(call, KEPT.format(path=call["args"]["path"]), LEFT_ALONE)
        for call in calls
        if changes(approvals.get(call["name"]), call.get("args") or {}, kept)
    }


def changes(rule: object, args: Mapping[str, Any], kept: Sequence[str]) -> bool:
    """Whether a call of a file tool with approval `rule` writes one of `kept` (by its path
    or, for a bare name, by its last part)."""
    path = args.get("path")
    if not isinstance(rule, FileRule) or rule.access != "write" or not isinstance(path, str):
        return False
    normal = posixpath.normpath(path.strip())
    return any(
        normal == posixpath.normpath(name)
        or ("/" not in name and posixpath.basename(normal) == name)
        for name in kept
    )
