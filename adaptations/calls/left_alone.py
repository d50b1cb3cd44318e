"""A small model's `edit` or `write` of a file its request says not to change is not run: the
`left-alone` rule gives the policy the files the request keeps (tools/policy.py denies a change
to one), and this is the model's answer.

The request's own words decide: the call is answered with them instead of running.

Why: a 1.5B model told "Do not change data.csv" edited it (docs/lab/2026-11-25.md, shifted-labels).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage

from adaptations.reply.asked_changes import left_alone
from models.messages import HeldKind, last_user_index, not_run, text_of
from models.texts import KEPT
from tools.adaptation_guard import applied

LEFT_ALONE: HeldKind = "left_alone"  # the MARKER of such a call's answer


def kept_answer(call: Mapping[str, Any]) -> ToolMessage:
    """The answer to a change the policy denied because the request keeps its file."""
    path = (call.get("args") or {}).get("path")
    return not_run(call, KEPT.format(path=path), LEFT_ALONE)


def kept_files(messages: Sequence[BaseMessage], rules: frozenset[str]) -> tuple[str, ...]:
    """The files the request says not to change, when the `left-alone` rule is active: what
    the policy is given (`PolicyContext.left_alone`)."""
    if "left-alone" not in rules:
        return ()
    i = last_user_index(messages)
    request = text_of(messages[i].content) if i >= 0 else ""
    return tuple(applied("left-alone", partial(left_alone, request), []))
