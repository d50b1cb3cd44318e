"""The garbage collector around start-up: the agent runtime's imports build about a
million long-lived objects (litellm alone defines ~3,000 pydantic models).

Collecting while they are being built finds nothing to free and cost 0.5 s of a 2.6 s
import here; so start-up runs with the collector off, then freezes what it built (later
collections of the run and the final one at exit no longer walk it) and turns it back on.
bench/README.md has the figures.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def startup_heap() -> Iterator[None]:
    """Collector off while importing; what was built is frozen as permanent afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def freeze_for_exit() -> None:
    """Interpreter shutdown then skips collecting the runtime (0.8 s -> 0.04 s here)."""
    gc.freeze()
