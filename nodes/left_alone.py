"""A small model's `edit` or `write` of a file its request says not to change is not run.

Qwen2.5-Coder-1.5B, asked to fix train.py ("Do not change data.csv"), read data.csv and edited
it (bench/README.md, shifted-labels). The request's own words decide: the call is answered with
them instead of running.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import ToolMessage

from nodes.asked_changes import FILE_TOOLS, left_alone
from nodes.history import not_run

LEFT_ALONE = "left_alone"  # the MARKER of such a call's answer
KEPT = (
    "Not run: the request says not to change `{path}`, so it stays as it is. Change the other "
    "files the request names instead."
)


def kept_files(request: str, calls: Sequence[Mapping[str, Any]]) -> dict[str, ToolMessage]:
    """The answers, keyed by call id, for `edit`/`write` calls of a file `request` says to
    leave alone (matched by its path or, for a bare name, by its last part)."""
    kept = left_alone(request)
    if not kept:
        return {}
    answers: dict[str, ToolMessage] = {}
    for call in calls:
        path = (call.get("args") or {}).get("path")
        if call["name"] in FILE_TOOLS and isinstance(path, str) and _named(path, kept):
            answers[call["id"]] = not_run(call, KEPT.format(path=path), LEFT_ALONE)
    return answers


def _named(path: str, kept: Sequence[str]) -> bool:
    normal = posixpath.normpath(path.strip())
    return any(
        normal == posixpath.normpath(name)
        or ("/" not in name and posixpath.basename(normal) == name)
        for name in kept
    )
