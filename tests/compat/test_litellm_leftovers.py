"""compat/litellm.py's `LEFTOVERS` against the installed litellm: each is still made when litellm
imports, nothing in litellm reads it afterwards, and `drop_leftovers` frees it."""

from __future__ import annotations

import ast
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from compat import litellm as fence
from compat.pins import Hook, Pin


def owner_of(hook: Hook) -> tuple[Path, Path]:
    """litellm's root folder and the file of `hook`'s module (found, not imported)."""
    package, _, rest = hook.module.partition(".")
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    root = Path(spec.origin).parent
    return root, root.joinpath(*rest.split(".")).with_suffix(".py")


def test_each_leftover_is_still_made_at_import_by_its_module() -> None:
    for hook in fence.LEFTOVERS:
        _, owner = owner_of(hook)
        tree = ast.parse(owner.read_text(encoding="utf-8"))
        made = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Name)
            and node.id == hook.attribute
            and isinstance(node.ctx, ast.Store)
        ]
        assert made, f"compat/litellm.py: {hook.name} is no longer made; drop it from LEFTOVERS"


def test_a_leftover_is_freed_within_the_pin_and_kept_outside_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("ml_intern_fake_litellm_utils")
    module.json_data = {"model": "parsed"}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(fence, "LEFTOVERS", (Hook(module.__name__, "json_data"),))
    with monkeypatch.context() as outside:
        outside.setattr(fence, "PIN", Pin("litellm", "<0.1"))
        fence.drop_leftovers()
    assert module.json_data == {"model": "parsed"}  # type: ignore[attr-defined]
    fence.drop_leftovers()
    assert not hasattr(module, "json_data")
    fence.drop_leftovers()  # already gone: nothing to do


def test_nothing_in_litellm_reads_the_dropped_leftovers() -> None:
    """The guard for LEFTOVERS: a litellm that starts reading one (`from litellm.utils import
    json_data`, `utils.json_data`, or a use inside litellm.utils) fails here, not in a run."""
    for hook in fence.LEFTOVERS:
        root, owner = owner_of(hook)
        name, module = hook.attribute, hook.module.rsplit(".", 1)[-1]
        readers = [
            str(path.relative_to(root))
            for path in root.rglob("*.py")
            if name in (text := path.read_text(encoding="utf-8", errors="replace"))
            and _reads(ast.parse(text), name, module, own=path == owner)
        ]
        assert readers == [], f"compat/litellm.py: {hook.name} is read by {readers}"


def _reads(tree: Any, name: str, module: str, *, own: bool) -> bool:
    dumped = _dumped(tree, name) if own else None
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(module):
            found = any(alias.name == name for alias in node.names)
        elif isinstance(node, ast.Attribute) and node.attr == name:
            value = node.value
            found = getattr(value, "id", None) == module or getattr(value, "attr", None) == module
        else:  # the module's own code reading it
            found = own and isinstance(node, ast.Name) and node.id == name
            found = found and not isinstance(node.ctx, ast.Store) and node is not dumped
        if found:
            return True
    return False


def _dumped(tree: Any, name: str) -> Any:
    """The one read litellm.utils makes itself: `claude_json_str = json.dumps(json_data)`."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            args = node.value.args
            if len(args) == 1 and isinstance(args[0], ast.Name) and args[0].id == name:
                return args[0]
    return None
