"""The compat module of pydantic: its models and TypeAdapters built on first use, not when made.

cli/startup_heap.py calls both while the agent runtime imports. Pydantic models build their
validator on first use instead of when the class is created (a run uses a few dozen of them;
~25% of the runtime's import CPU); pydantic TypeAdapters made while importing (litellm makes
~130 at module level) build on first use too, in the namespace they were made in. Pydantic's
own `defer_build` is per class or adapter; there is no process-wide setting, so its default
and the adapters' builder are changed here. Each hook is private; `PIN` and `HOOKS` say what
they were written for, and nothing changes when the installed pydantic differs (tests/compat/).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compat.pins import Hook, Pin, allowed

PIN = Pin("pydantic", ">=2.14,<2.15")
HOOKS = (
    Hook("pydantic._internal._config", "config_defaults"),
    Hook("pydantic._internal._mock_val_ser", "MockCoreSchema"),
    Hook("pydantic._internal._mock_val_ser", "MockValSer"),
    Hook("pydantic._internal._mock_val_ser", "set_type_adapter_mocks", ("adapter",)),
    Hook("pydantic", "TypeAdapter._init_core_attrs", ("self", "ns_resolver", "force", "raise_errors")),
)  # fmt: skip


def build_models_on_first_use() -> None:
    """Pydantic's `defer_build` as the default of every model class created from now on (a
    model's own config still decides); a pydantic without that default is left as it is."""
    if not allowed(PIN, HOOKS):
        return
    from pydantic._internal._config import config_defaults

    if "defer_build" in config_defaults:
        config_defaults["defer_build"] = True


def build_adapters_on_first_use() -> Callable[[], None]:
    """Until the returned function is called, a TypeAdapter whose config does not choose
    `defer_build` builds its schema, validator and serializer when first used, resolving names
    in the namespace it was made in (as building at once would). A pydantic whose adapters
    are shaped otherwise is left as it is."""
    if not allowed(PIN, HOOKS):
        return lambda: None
    from pydantic import TypeAdapter
    from pydantic._internal._mock_val_ser import MockCoreSchema, MockValSer
    from pydantic._internal._mock_val_ser import set_type_adapter_mocks as set_mocks

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
