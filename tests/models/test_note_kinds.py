"""Every kind a message is marked with is declared, and every declared kind is used: the
runtime's in one type (`NoteKind`), each rule's by its class (`Rule.notes`, `Rule.held`, as
the registry collects them).

Enumerated from the code itself: the kinds passed to `note()`, `not_run()` and `marked()`
(a literal, a module constant, a `RuleKind("...")`, either branch of a conditional, a loop over
a function's list of tuples, or a rule's `note`, as its class declares it), and no message
marked any other way.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import get_args

from adaptations.registry import RULES, held_texts, note_texts
from models.messages import NoteKind
from tests.product_sources import ROOT, parsed, product_files, walked

MARKS = {"note": 0, "not_run": 2, "marked": 0}  # the function, and where its kind is passed


def _modules() -> dict[Path, ast.Module]:
    return {f: parsed(f) for f in product_files()}


def _constants(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for s in tree.body:
        target = s.targets[0] if isinstance(s, ast.Assign) and len(s.targets) == 1 else None
        target = s.target if isinstance(s, ast.AnnAssign) else target
        value = getattr(s, "value", None)
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "RuleKind":
            value = value.args[0]  # a rule's kind: RuleKind("...")
        if isinstance(target, ast.Name) and isinstance(getattr(value, "value", None), str):
            found[target.id] = value.value  # type: ignore[union-attr]
    return found


def _looped(tree: ast.Module, name: str) -> set[str] | None:
    """The values a loop variable `name` takes, when it unpacks the tuples a function of the
    module returns as a list of literals."""
    functions = {f.name: f for f in walked(tree) if isinstance(f, ast.FunctionDef)}
    for loop in walked(tree):
        if not (isinstance(loop, ast.For) and isinstance(loop.target, ast.Tuple)):
            continue
        names = [t.id if isinstance(t, ast.Name) else None for t in loop.target.elts]
        made = loop.iter.func if isinstance(loop.iter, ast.Call) else None
        if name not in names or not isinstance(made, ast.Name) or made.id not in functions:
            continue
        at = names.index(name)
        returned = [r.value for r in ast.walk(functions[made.id]) if isinstance(r, ast.Return)]
        rows = [e for r in returned if isinstance(r, ast.List) for e in r.elts]
        return {row.elts[at].value for row in rows if isinstance(row, ast.Tuple)}
    return None


def _kinds(arg: ast.expr, tree: ast.Module, everywhere: dict[str, str]) -> set[str] | None:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return {arg.value}
    if isinstance(arg, ast.IfExp):
        one, other = _kinds(arg.body, tree, everywhere), _kinds(arg.orelse, tree, everywhere)
        return one | other if one is not None and other is not None else None
    if isinstance(arg, ast.Name):
        if arg.id in everywhere:
            return {everywhere[arg.id]}
        return _looped(tree, arg.id)
    if isinstance(arg, ast.Attribute) and arg.attr == "note":  # a rule's `note` (its class's)
        return {rule.note for rule in RULES if rule.note is not None}
    return None


@functools.cache
def _uses() -> tuple[dict[str, frozenset[str]], tuple[str, ...]]:
    """The kinds each marking function is given, and the places that mark otherwise or with
    a kind not told from the code."""
    modules = _modules()
    everywhere = {k: v for tree in modules.values() for k, v in _constants(tree).items()}
    uses: dict[str, set[str]] = {name: set() for name in MARKS}
    wrong: list[str] = []
    for path, tree in modules.items():
        where = path.relative_to(ROOT)
        if where == Path("models/messages.py"):  # the marking functions themselves
            continue
        for node in walked(tree):
            if isinstance(node, ast.Dict) and any(
                isinstance(k, ast.Name) and k.id == "MARKER" for k in node.keys
            ):
                wrong.append(f"{where}:{node.lineno} marks a message by hand")
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in MARKS or len(node.args) <= MARKS[node.func.id]:
                continue
            found = _kinds(node.args[MARKS[node.func.id]], tree, everywhere)
            if found is None:
                wrong.append(f"{where}:{node.lineno} {node.func.id}() with an unknown kind")
            else:
                uses[node.func.id] |= found
    return {k: frozenset(v) for k, v in uses.items()}, tuple(wrong)


def test_every_message_is_marked_with_a_kind_the_code_can_tell():
    assert _uses()[1] == ()


def test_note_kinds_are_declared_and_used():
    uses, _ = _uses()
    declared = set(get_args(NoteKind)) | set(note_texts())
    used = uses["note"] | (uses["marked"] - set(held_texts()))
    assert sorted(used - declared) == [], "used but not declared in NoteKind or a rule's notes"
    assert sorted(declared - used) == [], "declared in NoteKind or a rule's notes, never used"


def test_held_kinds_are_declared_and_used():
    uses, _ = _uses()
    declared = set(held_texts())
    used = uses["not_run"] | (uses["marked"] & declared)
    assert sorted(used - declared) == [], "used but not declared in a rule's `held`"
    assert sorted(declared - used) == [], "declared in a rule's `held` but never used"


def test_the_kinds_are_apart():
    assert set(get_args(NoteKind)).isdisjoint(note_texts())
    assert (set(get_args(NoteKind)) | set(note_texts())).isdisjoint(held_texts())
