"""Outside compat/, product code neither writes into a library, nor reaches a library's private
names, nor imports a private name that no compat module declares: every such dependency is
pinned and checked in one place."""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
import sys
from pathlib import Path

import pytest

import compat
from compat.pins import Hook
from tests.product_sources import parsed, walked

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("cli", "serve", "graph", "store", "nodes", "adaptations", "models", "tools", "configs")
OURS = {*PRODUCT, "compat", "tests", "bench", "__future__"}
# Public settings a library documents for its users to set (not internals).
PUBLIC_SETTINGS = {"litellm.suppress_debug_info"}
# A module fetched by its name: any library's, so a third party's as far as the fence knows.
SOME_MODULE = "<a module>"
# Underscored names that are public API: a named tuple's.
NAMED_TUPLE_API = {"_replace", "_asdict", "_fields", "_field_defaults", "_make"}


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
    for node in walked(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in OURS:
                    names[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names if node.module.split(".")[0] not in OURS else ():
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def third_party(library: str | None) -> bool:
    return library is not None and library.split(".")[0] not in sys.stdlib_module_names


class Origins:
    """Which library an expression of one module holds an object of (None: ours or a plain
    value): a name imported from it; anything reached from one (attribute, call, item); a
    module fetched by name (`sys.modules`, `importlib.import_module`, a `ModuleType`); and
    a variable, parameter, class field or `self.method()` result assigned or annotated as
    one. Names are scoped per function (a nested function sees its enclosing ones)."""

    def __init__(self, tree: ast.Module) -> None:
        self.libraries = library_names(tree)
        self.scope_of: dict[ast.AST, ast.AST] = {}  # a node -> its function (or the module)
        self.class_of: dict[ast.AST, ast.ClassDef] = {}
        self.owned: dict[ast.AST, list[ast.AST]] = {tree: []}
        self.names: dict[ast.AST, dict[str, str]] = {}  # a scope -> its names' libraries
        self.fields: dict[ast.ClassDef, dict[str, str]] = {}  # `self.x`, `self.f()` -> library
        self._index(tree, tree, None)
        for cls in {*self.class_of.values()}:
            self._class(cls)
        self._scope(tree, {})

    def _index(self, node: ast.AST, scope: ast.AST, cls: ast.ClassDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            self.scope_of[child] = scope
            self.owned[scope].append(child)
            if cls is not None:
                self.class_of[child] = cls
            inner = child if isinstance(child, _SCOPES) else scope
            self.owned.setdefault(inner, [])
            self._index(child, inner, child if isinstance(child, ast.ClassDef) else cls)

    def _scope(self, scope: ast.AST, outer: dict[str, str]) -> None:
        names = dict(outer)
        if isinstance(scope, _SCOPES):
            arguments = scope.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            for arg in [*every, arguments.vararg, arguments.kwarg]:
                if arg is not None:
                    names.pop(arg.arg, None)
                    if (library := self.annotated(arg.annotation)) is not None:
                        names[arg.arg] = library
        self.names[scope] = names
        for _ in range(2):  # a name assigned from a name assigned above
            for node in self.owned[scope]:
                names.update(self._bound(node))
        for node in self.owned[scope]:
            if isinstance(node, _SCOPES):
                self._scope(node, names)

    def _class(self, cls: ast.ClassDef) -> None:
        """Its annotated fields and methods, and `self.x = ...` of a library's object."""
        fields = self.fields.setdefault(cls, {})
        for node in ast.walk(cls):
            target = node.targets[0] if isinstance(node, ast.Assign) else None
            if node in cls.body and isinstance(node, ast.AnnAssign):
                library, name = self.annotated(node.annotation), ast.unparse(node.target)
            elif node in cls.body and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                library, name = self.annotated(node.returns), f"{node.name}()"
            elif isinstance(target, ast.Attribute) and _is_self(target.value):
                library, name = self.of(node.value), target.attr  # type: ignore[union-attr]
            else:
                continue
            if library is not None:
                fields[name] = library

    def _bound(self, node: ast.AST) -> dict[str, str]:
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            library = self.of(node.value)
            if isinstance(node, ast.AnnAssign):
                library = library or self.annotated(node.annotation)
            if library is not None:
                return {t.id: library for t in targets if isinstance(t, ast.Name)}
        return {}

    def annotated(self, annotation: ast.expr | None) -> str | None:
        """The library whose object an annotation names (an instance: `()`), else None."""
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            annotation = ast.parse(annotation.value, mode="eval").body
        for node in ast.walk(annotation) if annotation is not None else ():
            name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
            if name == "ModuleType":
                return SOME_MODULE
            if isinstance(node, ast.Name) and third_party(self.libraries.get(node.id)):
                return f"{self.libraries[node.id]}()"
        return None

    def of(self, node: ast.expr) -> str | None:
        """The library whose object `node` holds, or None; ending in `()` when the object
        was made by a call (an instance, a result), not one of the library's own."""
        if isinstance(node, ast.Name):
            known = self.names.get(self.scope_of.get(node), {})
            return known.get(node.id) or self.libraries.get(node.id)
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            if called in ("importlib.import_module", "import_module", "sys.modules.get"):
                return SOME_MODULE
            if called in ("getattr", "vars") and node.args:
                return self.of(node.args[0])
            if isinstance(node.func, ast.Attribute) and _is_self(node.func.value):
                return self._field(node, f"{node.func.attr}()")
            called_on = self.of(node.func)
            return called_on if called_on is None or _made(called_on) else f"{called_on}()"
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "sys.modules":
            return SOME_MODULE
        if isinstance(node, ast.Attribute) and _is_self(node.value):
            return self._field(node, node.attr)
        if isinstance(node, ast.Attribute | ast.Subscript | ast.Await | ast.Starred):
            return self.of(node.value)
        return None

    def _field(self, node: ast.AST, name: str) -> str | None:
        cls = self.class_of.get(node)
        return self.fields[cls].get(name) if cls is not None else None


@functools.cache
def origins_of(tree: ast.Module) -> Origins:
    return Origins(tree)


_SCOPES = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


def _made(origin: str) -> bool:
    return origin.endswith("()")


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def _private(name: str) -> bool:
    dunder = name.startswith("__") and name.endswith("__")
    return name.startswith("_") and not dunder and name not in NAMED_TUPLE_API


def private_uses(path: str, tree: ast.Module) -> list[str]:
    """`x._name` and `getattr(x, "_name")` where `x` holds a third party's module, class or
    object (a subclass of ours reaching its base through `self` or `super()` is its own; its
    overrides of the base's private methods are checked in test_fence_overrides.py)."""
    origins, found = origins_of(tree), []
    for node in walked(tree):
        reached, name = None, None
        if isinstance(node, ast.Attribute) and not _is_self(node.value):
            reached, name = node.value, node.attr
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in ("getattr", "hasattr"):
            text = node.args[1] if len(node.args) > 1 else None
            if isinstance(text, ast.Constant) and isinstance(text.value, str):
                reached, name = node.args[0], text.value
        origin = origins.of(reached) if reached is not None and _private(name or "") else None
        if third_party(origin) or origin == SOME_MODULE:
            found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
    return found


def library_writes(path: str, tree: ast.Module) -> list[str]:
    """Assignments to, `del` of, and `setattr` / `delattr` on the attributes of a library's own
    modules, classes and functions (an instance it made is the caller's to set)."""
    origins, found = origins_of(tree), []
    for node in walked(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif _is_attribute_write(node):
            targets = [ast.Attribute(value=node.args[0], attr="?")]  # type: ignore[attr-defined]
        for target in targets:
            written = ast.unparse(node if isinstance(node, ast.Call) else target)
            if not isinstance(target, ast.Attribute) or written in PUBLIC_SETTINGS:
                continue
            origin = origins.of(target.value)
            if origin is not None and not _made(origin):
                found.append(f"{path}:{node.lineno}: {written}")
    return found


def _is_attribute_write(node: ast.AST) -> bool:
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
        for node in walked(tree):
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


def test_no_product_module_outside_compat_reaches_a_library_s_private_names() -> None:
    found = [use for path, tree in product_trees() for use in private_uses(path, tree)]
    assert found == [], "reach each through its library's compat module (compat/), declared"


def test_no_product_module_outside_compat_writes_a_library_s_attribute() -> None:
    writes = [write for path, tree in product_trees() for write in library_writes(path, tree)]
    assert writes == [], "move each into its library's compat module (compat/), pinned"


def flagged(source: str) -> list[str]:
    tree = ast.parse(source)
    return private_uses("snippet.py", tree) + library_writes("snippet.py", tree)


# Each a private use the fence names (its last line), as the four it once missed were written.
CAUGHT = {
    "a module attribute deleted (cli/startup_heap.py's leftovers)": """
import sys
def drop(module_name, name):
    module = sys.modules.get(module_name)
    delattr(module, name)""",
    "a private method of a library's class, on an instance (models/openai_chat_body.py)": """
from litellm.llms.openai.chat.gpt_transformation import OpenAIGPTConfig
def transformed(dicts):
    config = OpenAIGPTConfig()
    return config._transform_messages(messages=dicts, model="m")""",
    "a private method of a model a method returns (models/anthropic_chat.py)": """
from langchain_core.language_models import BaseChatModel
class Chat:
    def _litellm(self) -> BaseChatModel: ...
    async def _astream(self, messages):
        fallback = self._litellm()
        return fallback._astream(messages)""",
    "a loaded package's names replaced (cli/lazy_packages.py)": """
from types import ModuleType
class Loader:
    def exec_module(self, module: ModuleType) -> None:
        module.__getattr__ = print""",
    "a name set on a loaded package, in a closure (cli/lazy_packages.py)": """
from types import ModuleType
def getattr_of(module: ModuleType):
    def __getattr__(name):
        setattr(module, name, 1)""",
    "a private function of a library module": "import litellm\nlitellm._turn_on_debug()",
    "a private name read by getattr": "import openai\ngetattr(openai, '_base_client')",
    "a library module's attribute deleted": "import litellm.utils\ndel litellm.utils.json_data",
    "a library class's method replaced": "from litellm import Router\nRouter.send = print",
    "a private name of a module imported by name": """
import importlib
client = importlib.import_module("openai")._client""",
    "a private field of a library object a class holds": """
import httpx
class Holder:
    client: httpx.AsyncClient
    def pool(self):
        return self.client._transport""",
    "a private field of a library object a class made": """
import httpx
class Holder:
    def __init__(self):
        self.client = httpx.AsyncClient()
    def pool(self):
        return self.client._transport""",
}


@pytest.mark.parametrize("source", CAUGHT.values(), ids=CAUGHT.keys())
def test_the_fence_names_the_file_and_line_of_a_private_use(source: str) -> None:
    line = len(source.strip("\n").splitlines()) + source.startswith("\n")
    found = flagged(source)
    assert found and all(f.startswith(f"snippet.py:{line}: ") for f in found), found


def test_the_fence_lets_public_api_ours_and_what_a_library_made_alone() -> None:
    source = """
import os, sys
from urllib.parse import urlsplit
from rich.console import Console
from models import chat
class Ours:
    def go(self):
        self._own = 1
        console = Console()
        console.soft_wrap = True
        chat._helper()
        os._exit(0)
        return urlsplit("http://x")._replace(path="/"), sys.modules.get("x")
"""
    assert flagged(source) == []
