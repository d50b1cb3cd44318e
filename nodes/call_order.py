"""A call that changes a file runs after the calls sent before it in its reply that name that
file, and a call that names a file after one that changes it.

A model that sends `read train.py` and an `edit` of it in one reply means them in that order.
Run as concurrent tasks (the house plan runs a reply's calls side by side), the edit could
start before the read had recorded the file and be refused ("you have not read it"): a large
model's test failed so in one clean-clone CI run of two. Calls on different files, and calls
naming no file (`bash`, remote tools), still run side by side.

The step's calls are registered when their tasks are sent (`expect`), in this process: a step
resumed in another process after a crash runs as before, side by side.
"""

from __future__ import annotations

import asyncio
import posixpath
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

MAX_REMEMBERED = 4096  # calls registered and not yet finished, the oldest forgotten first
_unfinished: OrderedDict[str, asyncio.Event] = OrderedDict()


def expect(call_ids: Iterable[str]) -> None:
    """Register a step's calls before any of their tasks starts."""
    for call_id in call_ids:
        _unfinished[call_id] = asyncio.Event()
    while len(_unfinished) > MAX_REMEMBERED:
        _unfinished.popitem(last=False)


def named_file(args: Mapping[str, Any]) -> str | None:
    """The file a call's arguments name (its `path`), normalised; None when there is none."""
    path = args.get("path")
    return posixpath.normpath(path.strip()) if isinstance(path, str) and path.strip() else None


def waits_for(
    call: Mapping[str, Any],
    before: Sequence[Mapping[str, Any]],
    changes: Callable[[str], bool],
) -> list[str]:
    """The ids of the calls sent `before` `call` (each with `id`, `name` and `path`) that it
    must wait for: those naming its file, when either call may change it (`changes(tool)`)."""
    path = named_file(call.get("args") or {})
    if path is None:
        return []
    mine = changes(str(call.get("name")))
    return [
        str(c["id"])
        for c in before
        if c.get("path") == path and (mine or changes(str(c.get("name"))))
    ]


async def after(call_ids: Iterable[str]) -> None:
    """Return once each of `call_ids` has finished (one this process never sent, at once)."""
    for call_id in call_ids:
        event = _unfinished.get(call_id)
        if event is not None:
            await event.wait()


def finished(call_id: str) -> None:
    """A call has finished, failed or been cancelled: the calls after it may start."""
    event = _unfinished.pop(call_id, None)
    if event is not None:
        event.set()
