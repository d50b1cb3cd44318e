"""A small model's change to a file, sent in the same reply as its `read` of that file, is not run.

The change, and the calls after it in the reply, are held back: the model writes it again from
the text the `read` returns.

Why: a 1.5B model sent `read`, a blind `edit` and a rerun in one reply (docs/lab/2026-11-25.md).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import ToolMessage

from adaptations.reply.asked_changes import FILE_TOOLS
from models.messages import not_run

BLIND = "blind_edit"  # the MARKER of a held call's answer
BLIND_CHANGE = (
    "Not run: you sent this `{tool}` in the same reply as the `read` of `{path}`, so you wrote "
    "it before you had seen the file. Look at the text that `read` returned, find what is wrong "
    "there, then send the `{tool}` again{how}."
)
HOW = {"edit": " with `old_str` copied exactly from that text", "write": " from that text"}
AFTER_BLIND = (
    "Not run: it came after the `{tool}` above that was not run. Send it again once that change is "
    "made, if you still need it."
)


def blind_changes(calls: Sequence[Mapping[str, Any]]) -> dict[str, ToolMessage]:
    """The answers, keyed by call id, for the first `edit`/`write` of a file that an earlier
    call of the same reply reads, and for every call after it; empty when there is none."""
    read: set[str] = set()
    held: dict[str, ToolMessage] = {}
    blocked: str | None = None
    for call in calls:
        if blocked is not None:
            held[call["id"]] = not_run(call, AFTER_BLIND.format(tool=blocked), BLIND)
            continue
        path = (call.get("args") or {}).get("path")
        if not isinstance(path, str):
            continue
        if call["name"] == "read":
            read.add(_normal(path))
        elif call["name"] in FILE_TOOLS and _normal(path) in read:
            text = BLIND_CHANGE.format(tool=call["name"], path=path, how=HOW[call["name"]])
            held[call["id"]] = not_run(call, text, BLIND)
            blocked = call["name"]
    return held


def _normal(path: str) -> str:
    return posixpath.normpath(path.strip())
