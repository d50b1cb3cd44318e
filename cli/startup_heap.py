"""The heap around start-up: the agent runtime's imports (about a million long-lived objects;
litellm and openai alone define ~3,000 pydantic models) run with the collector off; what they
built is then frozen (later collections of the run and the final one at exit no longer walk it)
and the collector turned back on.

Pydantic models build their validator on first use instead of when the class is created (a run
uses a few dozen of them; ~25% of the runtime's import CPU); pydantic TypeAdapters made while
importing (litellm makes ~130 at module level) build on first use too, in the namespace they
were made in (both compat/pydantic.py); the SDKs' generated type packages load each name on
first use (compat/lazy_packages.py); and what litellm's import parsed and never reads again is
dropped before the heap is frozen (compat/litellm.py `LEFTOVERS`).

Why: collecting mid-import freed nothing and cost 0.5 s of a 2.6 s import (docs/lab/2026-11-23.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from compat.lazy_packages import load_names_on_first_use
from compat.litellm import drop_leftovers
from compat.pydantic import build_adapters_on_first_use, build_models_on_first_use


@contextmanager
def startup_heap() -> Iterator[None]:
    """Collector off while importing; what was built is frozen as permanent afterwards."""
    build_models_on_first_use()
    load_names_on_first_use()
    restore_adapters = build_adapters_on_first_use()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        restore_adapters()
        drop_leftovers()
        gc.freeze()
        if was_enabled:
            gc.enable()


def freeze_for_exit() -> None:
    """Interpreter shutdown then skips collecting the runtime (0.8 s -> 0.04 s here)."""
    gc.freeze()
