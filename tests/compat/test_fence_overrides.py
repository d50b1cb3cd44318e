"""The fence, for subclasses: a class of ours that overrides a private method of a library's class
(its direct base) relies on that method's name and parameters as much as a patch does, so a
compat module declares it as a `Hook`, unless the library documents the method as one its
subclasses implement. (tests/compat/test_fence.py lets `self._x` and `super()._x` alone: a
subclass's own use of its base; this is where that base's private names are checked.)"""

from __future__ import annotations

import ast
import importlib

from compat.pins import Hook
from tests.compat.test_fence import (
    _private,
    declared_hooks,
    library_names,
    product_trees,
    third_party,
)
from tests.product_sources import walked

# Private-named methods a library asks its subclasses to implement, not its internals:
# LangChain's custom chat model guide (`_generate`, `_stream`, their async twins, `_llm_type`)
# and slack_sdk's retry handler interface (`_can_retry_async`, abstract in the base).
EXTENSION_POINTS = {
    *(f"langchain_core.language_models.chat_models.BaseChatModel.{name}"
      for name in ("_generate", "_agenerate", "_stream", "_astream", "_llm_type")),
    "slack_sdk.http_retry.async_handler.AsyncRetryHandler._can_retry_async",
}  # fmt: skip


def library_object(dotted: str) -> object:
    """What a dotted name (`package.module.Class`) names, imported; None when nothing."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part, None)
        return found
    return None


def defined_names(cls: ast.ClassDef) -> list[tuple[str, int]]:
    """The names a class body defines (methods, assigned attributes) and their lines."""
    found = []
    for node in cls.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append((node.name, node.lineno))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [(t.id, node.lineno) for t in targets if isinstance(t, ast.Name)]
    return found


def private_overrides(path: str, tree: ast.Module, declared: set[str]) -> list[str]:
    """Each private name a class of `tree` defines over one of its library base's, named by
    where the library defines it, unless `declared` or an extension point."""
    libraries, found = library_names(tree), []
    for cls in (node for node in walked(tree) if isinstance(node, ast.ClassDef)):
        for base in cls.bases:
            named = ast.unparse(base.value if isinstance(base, ast.Subscript) else base)
            first, _, rest = named.partition(".")
            if not third_party(libraries.get(first)):
                continue
            dotted = ".".join([libraries[first], *([rest] if rest else [])])
            library = library_object(dotted)
            if library is None:
                found.append(f"{path}:{cls.lineno}: {cls.name}'s base {dotted} is not found")
            if not isinstance(library, type):  # a TypedDict: no methods to override
                continue
            for name, line in defined_names(cls):
                owner = next((k for k in library.__mro__ if name in vars(k)), None)
                if not _private(name) or owner is None or owner is object:
                    continue
                where = f"{owner.__module__}.{owner.__qualname__}.{name}"
                if where not in declared and where not in EXTENSION_POINTS:
                    found.append(f"{path}:{line}: {cls.name}.{name} overrides {where}")
    return found


def declared_names() -> set[str]:
    return {Hook(module, attribute).name for module, attribute in declared_hooks()}


def test_every_private_method_a_product_class_overrides_is_declared_by_a_compat_module() -> None:
    declared = declared_names()
    found = [o for path, tree in product_trees() for o in private_overrides(path, tree, declared)]
    assert found == [], "declare each as a Hook in its library's compat module (compat/)"


def test_the_fence_names_an_undeclared_override_and_lets_a_declared_one_or_our_own_alone() -> None:
    source = """
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langchain_core.language_models import BaseChatModel
class Saver(AsyncPostgresSaver):
    def _touch(self): ...
    def _cursor(self, *, pipeline=False): ...
class Chat(BaseChatModel):
    def _generate(self, *args): ...
"""
    tree = ast.parse(source)
    cursor = "langgraph.checkpoint.postgres.aio.AsyncPostgresSaver._cursor"
    assert private_overrides("snippet.py", tree, set()) == [
        f"snippet.py:6: Saver._cursor overrides {cursor}"
    ]
    assert private_overrides("snippet.py", tree, {cursor}) == []
    assert cursor in declared_names()
