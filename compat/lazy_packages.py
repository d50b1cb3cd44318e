"""Generated SDK packages whose `__init__` only re-exports its submodules' names load each name
on first use.

A package qualifies only when its `__init__.py` is nothing but relative `from .x import a as b`
lines (and a docstring, `from __future__` and a literal `__all__`); anything else in it runs as
usual. A qualifying package's module gets each name, and each submodule, the first time it is
asked for, through a module `__getattr__` (PEP 562); `import *` and `dir()` see every name.

Which SDKs: each compat module that declares `GENERATED` (its packages' prefix) and
`LAZY_PACKAGES` (the ones that qualify and are why), within its `PIN`: `openai.types`,
`openai.resources` (compat/openai_sdk.py) and `langsmith.types` (compat/langsmith.py),
Stainless-generated, each importing every type and resource of the API, ~1,000 modules, when a
program needs a handful. `lazy_problems` says when a release makes one load whole again.

Why: they cost 0.3-0.9 s of launch CPU and 15-27 MB at a first request (docs/lab/2026-11-25.md).
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable, Iterable
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec, PathFinder, SourceFileLoader
from types import ModuleType
from typing import Any

from compat.pins import Pin, allowed, problems

# name -> (relative level (0: `__future__`), module or None for `from . import name`, its name)
Reexports = dict[str, tuple[int, str | None, str]]


def load_names_on_first_use(prefixes: tuple[str, ...] | None = None) -> None:
    """From now on, re-export-only packages under `prefixes` are imported lazily (once); by
    default each SDK's `GENERATED` (see module) whose installed release its `PIN` allows."""
    if any(isinstance(f, ReexportFinder) for f in sys.meta_path):
        return
    prefixes = pinned_prefixes() if prefixes is None else prefixes
    if prefixes:
        sys.meta_path.insert(0, ReexportFinder(prefixes))


def pinned_prefixes() -> tuple[str, ...]:
    """The SDKs' generated-package prefixes, each within its compat module's pin."""
    from compat import langsmith, openai_sdk

    return tuple(sdk.GENERATED for sdk in (openai_sdk, langsmith) if allowed(sdk.PIN, ()))


def lazy_problems(pin: Pin, packages: Iterable[str]) -> list[str]:
    """`pin`'s problems (compat/pins.py), and each of `packages` whose `__init__` no longer
    only re-exports: it would load whole at import again."""
    import importlib.util
    from pathlib import Path

    found = problems(pin, ())
    for package in packages:
        top, *inner = package.split(".")
        spec = importlib.util.find_spec(top)  # a top-level package: found, not imported
        where = spec.submodule_search_locations if spec is not None else None
        init = Path(where[0], *inner, "__init__.py") if where else None
        if init is None or not init.is_file() or reexports(init.read_bytes()) is None:
            found.append(
                f"{pin.library} {pin.installed()}: {package} is no longer a package that only "
                "re-exports; it loads every name at import again (compat/lazy_packages.py)"
            )
    return found


def reexports(source: bytes) -> tuple[Reexports, list[str] | None] | None:
    """What a re-export-only `__init__` imports, and its `__all__`; None when it does more."""
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return None
    names: Reexports = {}
    declared: list[str] | None = None
    for index, node in enumerate(body):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            names.update({n: (0, "__future__", n) for n in _names(node)})  # names as before
        elif isinstance(node, ast.ImportFrom) and node.level and "*" not in _names(node):
            for alias in node.names:
                names[alias.asname or alias.name] = (node.level, node.module, alias.name)
        elif index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        elif (declared := _literal_all(node)) is None:
            return None
    return (names, declared) if names else None


def _names(node: ast.ImportFrom) -> list[str]:
    return [alias.name for alias in node.names]


def _literal_all(node: ast.stmt) -> list[str] | None:
    target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
    if not (isinstance(target, ast.Name) and target.id == "__all__"):
        return None
    try:
        found = ast.literal_eval(node.value)  # type: ignore[attr-defined]
    except ValueError:
        return None
    return list(found) if isinstance(found, list | tuple) else None


class ReexportFinder(MetaPathFinder):
    """Finds packages as the path finder does; a re-export-only one gets the lazy loader."""

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        self.prefixes = prefixes

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> ModuleSpec | None:
        """The path finder's spec (so it does not search again), with the lazy loader when
        the module is a re-export-only package."""
        if not fullname.startswith(self.prefixes):
            return None
        spec = PathFinder.find_spec(fullname, path)
        if spec is None or spec.submodule_search_locations is None or spec.origin is None:
            return spec
        if not isinstance(spec.loader, SourceFileLoader):
            return spec
        try:
            found = reexports(spec.loader.get_data(spec.origin))
        except OSError:
            return spec
        if found is not None:
            spec.loader = ReexportLoader(*found)
        return spec


class ReexportLoader(Loader):
    """Runs no `__init__` code: the package's names come from their submodules when asked."""

    def __init__(self, names: Reexports, declared: list[str] | None) -> None:
        self.names = names
        self.declared = declared

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        if self.declared is not None:
            module.__all__ = self.declared  # type: ignore[attr-defined]
        module.__getattr__ = self._getattr_of(module)  # type: ignore[attr-defined]
        module.__dir__ = lambda: sorted(set(vars(module)) | set(self.names))  # type: ignore[attr-defined]

    def _getattr_of(self, module: ModuleType) -> Callable[[str], Any]:
        package = module.__name__

        def __getattr__(name: str) -> Any:
            if name in self.names:
                value = self._load(package, name)
                setattr(module, name, value)
                return value
            if name == "__all__":  # `import *` without a declared __all__: every name, then
                for each in self.names:  # the module's own names (AttributeError) are complete
                    getattr(module, each)
            elif not name.startswith("__"):
                try:
                    return importlib.import_module(f"{package}.{name}")
                except ModuleNotFoundError as missing:
                    if missing.name != f"{package}.{name}":
                        raise
            raise AttributeError(f"module {package!r} has no attribute {name!r}")

        return __getattr__

    def _load(self, package: str, name: str) -> Any:
        level, source, original = self.names[name]
        base = package.rsplit(".", level - 1)[0] if level > 1 else package
        if source is None and level == 1:  # `from . import name`: only a submodule can be it
            return importlib.import_module(f"{package}.{original}")
        where = (base if source is None else f"{base}.{source}") if level else str(source)
        found = importlib.import_module(where)
        if hasattr(found, original):
            return getattr(found, original)
        return importlib.import_module(f"{where}.{original}")  # as `from` does: a submodule
