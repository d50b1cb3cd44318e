"""The heap around start-up: the agent runtime's imports (about a million long-lived objects;
litellm and openai alone define ~3,000 pydantic models) run with the collector off; what they
built is then frozen (later collections of the run and the final one at exit no longer walk it)
and the collector turned back on.

Pydantic models build their validator on first use instead of when the class is created (a run
uses a few dozen of them; ~25% of the runtime's import CPU); pydantic TypeAdapters made while
importing (litellm makes ~130 at module level) build on first use too, in the namespace they
were made in; and the SDKs' generated type packages load each name on first use
(cli/lazy_packages.py).

Why: collecting mid-import freed nothing and cost 0.5 s of a 2.6 s import (docs/lab/2026-11-23.md).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cli.lazy_packages import load_names_on_first_use


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


# Module globals that start-up's imports leave behind and nothing reads again. litellm.utils
# parses the Anthropic tokenizer (13.7 MB of objects) only to keep its text, `claude_json_str`.
LEFTOVERS = (("litellm.utils", "json_data"),)


def drop_leftovers() -> None:
    """Free the leftovers of the modules imported so far (before the heap is frozen)."""
    for module_name, name in LEFTOVERS:
        module = sys.modules.get(module_name)
        if module is not None and name in vars(module):
            delattr(module, name)


def build_models_on_first_use() -> None:
    """Pydantic's `defer_build` as the default of every model class created from now on (a
    model's own config still decides); a pydantic without that default is left as it is."""
    try:
        from pydantic._internal._config import config_defaults
    except ImportError:  # pragma: no cover - a pydantic that moved its defaults
        return
    if "defer_build" in config_defaults:
        config_defaults["defer_build"] = True


def build_adapters_on_first_use() -> Callable[[], None]:
    """Until the returned function is called, a TypeAdapter whose config does not choose
    `defer_build` builds its schema, validator and serializer when first used, resolving names
    in the namespace it was made in (as building at once would). A pydantic whose adapters
    are shaped otherwise is left as it is."""
    try:
        from pydantic import TypeAdapter
        from pydantic._internal._mock_val_ser import MockCoreSchema, MockValSer
        from pydantic._internal._mock_val_ser import set_type_adapter_mocks as set_mocks
    except ImportError:  # pragma: no cover - a pydantic that moved them
        return lambda: None
    build = TypeAdapter.__dict__.get("_init_core_attrs")
    if build is None or getattr(build, "defers", False):
        return lambda: None

    def _init_core_attrs(
        self: Any, ns_resolver: Any, force: bool, raise_errors: bool = False
    ) -> bool:
        config = self._config if self._config is not None else self._model_config
        if force or (config and "defer_build" in config):  # chosen: pydantic's own way
            return build(self, ns_resolver, force, raise_errors)
        set_mocks(self)
        for name in ("core_schema", "validator", "serializer"):
            mock = getattr(self, name)
            if isinstance(mock, MockCoreSchema | MockValSer):
                mock._attempt_rebuild = _built_in(self, ns_resolver, name)
        return False

    def _built_in(adapter: Any, ns_resolver: Any, name: str) -> Callable[..., Any]:
        def rebuild(*, parent_namespace_depth: int = 5) -> Any:
            return getattr(adapter, name) if build(adapter, ns_resolver, True) else None

        return rebuild

    _init_core_attrs.defers = True  # type: ignore[attr-defined]
    TypeAdapter._init_core_attrs = _init_core_attrs  # type: ignore[method-assign]

    def restore() -> None:
        TypeAdapter._init_core_attrs = build  # type: ignore[method-assign]

    return restore


def freeze_for_exit() -> None:
    """Interpreter shutdown then skips collecting the runtime (0.8 s -> 0.04 s here)."""
    gc.freeze()
