"""The paths host code opens or lists by name (not by descriptor) while a test watches, from
Python's audit events: what an attacker's planted link would make the host follow."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

_by_name: list[str] = []  # the paths opened or listed by name while a test watches
_watching = threading.Event()
_hooked = threading.Lock()


def _audit(event: str, args: tuple[object, ...]) -> None:
    listed = event in ("open", "os.scandir", "os.listdir") and args
    if _watching.is_set() and listed and isinstance(args[0], str | bytes | os.PathLike):
        _by_name.append(f"{event} {os.fsdecode(args[0])}")


@contextlib.contextmanager
def by_name() -> Iterator[list[str]]:
    """The paths opened or listed by name (not by descriptor) inside the block, each as
    `event path`."""
    with _hooked:
        if not getattr(_audit, "added", False):
            sys.addaudithook(_audit)  # cannot be removed: `_watching` ends it
            _audit.added = True  # type: ignore[attr-defined]
    _by_name.clear()
    _watching.set()
    try:
        yield _by_name
    finally:
        _watching.clear()
