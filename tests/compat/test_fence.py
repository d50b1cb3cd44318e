"""Outside compat/, product code neither writes into a library nor imports a private name that no
compat module declares: every such dependency is pinned and checked in one place."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import compat
from compat.pins import Hook
from tests.product_sources import parsed

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("cli", "serve", "graph", "store", "nodes", "adaptations", "models", "tools", "configs")
OURS = {*PRODUCT, "compat", "tests", "bench", "__future__"}
# Public settings a library documents for its users to set (not internals).
PUBLIC_SETTINGS = {"litellm.suppress_debug_info"}


def declared_hooks() -> set[tuple[str, str]]:
    found = set()
    for info in pkgutil.iter_modules(compat.__path__):
        module = importlib.import_module(f"compat.{info.name}")
        for value in vars(module).values():
            if isinstance(value, tuple) and value and all(isinstance(h, Hook) for h in value):
                found |= {(hook.module, hook.attribute) for hook in value}
    return found


def product_trees() -> list[tuple[str, ast.Module]]:
    paths = [p for pkg in PRODUCT if (ROOT / pkg).is_dir() for p in (ROOT / pkg).rglob("*.py")]
    return [(str(p.relative_to(ROOT)), parsed(p)) for p in sorted(paths)]


def library_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> the library module or name it was imported as."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in OURS:
                    names[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names if node.module.split(".")[0] not in OURS else ():
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def is_attribute_write(node: ast.AST) -> bool:
    """`setattr(x, ...)` or `delattr(x, ...)`."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("setattr", "delattr")
        and bool(node.args)
    )


def test_every_private_library_name_used_outside_compat_is_declared_by_a_compat_module() -> None:
    hooks = declared_hooks()
    undeclared = []
    for path, tree in product_trees():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
                continue
            if node.module.split(".")[0] in OURS:
                continue
            private_module = any(part.startswith("_") for part in node.module.split("."))
            for alias in node.names:
                if (private_module or alias.name.startswith("_")) and (
                    node.module,
                    alias.name,
                ) not in hooks:
                    undeclared.append(f"{path}: from {node.module} import {alias.name}")
    assert undeclared == [], "declare each as a Hook in its library's compat module"


def test_no_product_module_outside_compat_writes_a_library_s_attribute() -> None:
    writes = []
    for path, tree in product_trees():
        libraries = library_names(tree)
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            elif is_attribute_write(node):
                targets = [ast.Attribute(value=node.args[0], attr="?")]  # type: ignore[attr-defined]
            for target in targets:
                root = target
                while isinstance(root, ast.Attribute):
                    root = root.value
                written = ast.unparse(target)
                library = isinstance(root, ast.Name) and root.id in libraries
                if library and root is not target and written not in PUBLIC_SETTINGS:
                    writes.append(f"{path}:{node.lineno}: {written}")
    assert writes == [], "move each into its library's compat module (compat/), pinned"
