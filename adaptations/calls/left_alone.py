"""A small model's `edit` or `write` of a file its request says not to change is not run: the
`left-alone` rule gives the policy the files the request keeps (tools/policy.py denies a change
to one), and this is the model's answer.

The request's own words decide: the call is answered with them instead of running.

Why: a 1.5B model told "Do not change data.csv" edited it (docs/lab/2026-11-25.md, shifted-labels).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.messages import ToolMessage

from models.messages import RuleKind, not_run
from models.texts import KEPT

LEFT_ALONE = RuleKind("left_alone")  # the MARKER of such a call's answer


def kept_answer(call: Mapping[str, Any]) -> ToolMessage:
    """The answer to a change the policy denied because the request keeps its file."""
    path = (call.get("args") or {}).get("path")
    return not_run(call, KEPT.format(path=path), LEFT_ALONE)
