"""The heap around start-up: the agent runtime's imports build about a million long-lived
objects (litellm and openai alone define ~3,000 pydantic models).

Collecting while they are being built finds nothing to free and cost 0.5 s of a 2.6 s
import here; so start-up runs with the collector off, then freezes what it built (later
collections of the run and the final one at exit no longer walk it) and turns it back on.
Pydantic builds each model's validator when its class is created; a run uses a few dozen
of those models, so start-up asks pydantic to build a validator on a model's first use
instead (~25% of the runtime's import CPU), and the SDKs' generated type packages load each
name on first use (cli/lazy_packages.py). bench/README.md has the figures.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from cli.lazy_packages import load_names_on_first_use


@contextmanager
def startup_heap() -> Iterator[None]:
    """Collector off while importing; what was built is frozen as permanent afterwards."""
    build_models_on_first_use()
    load_names_on_first_use()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def build_models_on_first_use() -> None:
    """Pydantic's `defer_build` as the default of every model class created from now on (a
    model's own config still decides); a pydantic without that default is left as it is."""
    try:
        from pydantic._internal._config import config_defaults
    except ImportError:  # pragma: no cover - a pydantic that moved its defaults
        return
    if "defer_build" in config_defaults:
        config_defaults["defer_build"] = True


def freeze_for_exit() -> None:
    """Interpreter shutdown then skips collecting the runtime (0.8 s -> 0.04 s here)."""
    gc.freeze()
