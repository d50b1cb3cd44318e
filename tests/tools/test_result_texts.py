"""The tool-result texts (tools/result_texts/): every kind the code writes is declared in
`ToolTextKind` and every declared one is written, and every template in the catalogue is
written, under its own kind, with exactly its fields.

Enumerated from the code itself: the calls to `tool_text(kind, TEMPLATE, **fields)` (a literal
kind, a template imported from one of the catalogue's family modules, or named on such a module
imported whole: `texts.TEMPLATE`), and no template used any other way.
"""

from __future__ import annotations

import ast
import functools
import importlib
import string
from pathlib import Path
from typing import NamedTuple, get_args

from tests.product_sources import ROOT, parsed, product_files, walked
from tools.result_texts import FAMILIES, TOOL_TEXTS, ToolTextKind, tool_text
from tools.result_texts.shell import EXIT_CODE

CATALOGUE = Path("tools/result_texts")
# Every template, by its module and name ("shell.EXIT_CODE").
TEMPLATES = {
    f"{family.__name__.rpartition('.')[2]}.{name}": value
    for family in FAMILIES
    for name, value in vars(family).items()
    if name.isupper() and isinstance(value, str)
}


FAMILY_NAMES = {family.__name__.rpartition(".")[2] for family in FAMILIES}


def _templates_of(module: str) -> dict[str, str]:
    """The templates a `from <module> import ...` can bring, by name: a family module's."""
    if not module.startswith("tools.result_texts."):
        return {}
    family = importlib.import_module(module)
    short = module.rpartition(".")[2]
    return {n: f"{short}.{n}" for n in vars(family) if f"{short}.{n}" in TEMPLATES}


def _named(node: ast.AST | None, imported: dict[str, str], families: dict[str, str]) -> str | None:
    """The template `node` names ("shell.EXIT_CODE"): one imported by name, or one named on an
    imported family module (`texts.EXIT_CODE`); None for anything else."""
    if isinstance(node, ast.Name):
        return imported.get(node.id)
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
        return None
    key = f"{families.get(node.value.id)}.{node.attr}"
    return key if key in TEMPLATES else None


class Use(NamedTuple):
    where: str
    kind: str
    template: str  # its module and name in the catalogue ("shell.EXIT_CODE")
    fields: frozenset[str] | None  # None: passed as **mapping


@functools.cache
def _uses() -> tuple[tuple[Use, ...], tuple[str, ...]]:
    """Every `tool_text` call in the product, and the places that use a template otherwise or
    with a kind or template not told from the code."""
    uses: list[Use] = []
    wrong: list[str] = []
    for path in product_files():
        where = path.relative_to(ROOT)
        if where.is_relative_to(CATALOGUE):
            continue
        tree = parsed(path)
        imported = {
            alias.asname or alias.name: known[alias.name]
            for node in walked(tree)
            if isinstance(node, ast.ImportFrom) and node.module
            for known in [_templates_of(node.module)]
            for alias in node.names
            if alias.name in known
        }
        families = {
            alias.asname or alias.name: alias.name
            for node in walked(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "tools.result_texts"
            for alias in node.names
            if alias.name in FAMILY_NAMES
        }

        passed: set[int] = set()
        for node in walked(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tool_text"):
                continue
            kind, template = [*node.args, None, None][:2]
            at = f"{where}:{node.lineno}"
            if not (isinstance(kind, ast.Constant) and isinstance(kind.value, str)):
                wrong.append(f"{at} tool_text() with a kind not told from the code")
                continue
            if (name := _named(template, imported, families)) is None:
                wrong.append(f"{at} tool_text() with a template not from the catalogue")
                continue
            passed.add(id(template))
            starred = any(k.arg is None for k in node.keywords)
            fields = None if starred else frozenset(k.arg for k in node.keywords if k.arg)
            uses.append(Use(at, kind.value, name, fields))
        for node in walked(tree):
            if (name := _named(node, imported, families)) is not None and id(node) not in passed:
                wrong.append(f"{where}:{node.lineno} uses {name} outside tool_text()")
    return tuple(uses), tuple(wrong)


def test_every_tool_text_is_written_through_tool_text_with_a_kind_the_code_can_tell():
    assert _uses()[1] == ()


def test_tool_text_kinds_are_declared_and_used():
    declared = set(get_args(ToolTextKind))
    used = {use.kind for use in _uses()[0]}
    assert sorted(used - declared) == [], "used but not declared in ToolTextKind"
    assert sorted(declared - used) == [], "declared in ToolTextKind but never used"


def test_every_kind_has_an_entry_and_every_template_is_listed_under_one():
    assert set(TOOL_TEXTS) == set(get_args(ToolTextKind))
    assert sum(len(family.TEXTS) for family in FAMILIES) == len(TOOL_TEXTS), "a kind in two"
    listed = [id(t) for templates in TOOL_TEXTS.values() for t in templates]
    assert len(listed) == len(set(listed)), "a template listed twice"
    assert [name for name, value in TEMPLATES.items() if id(value) not in listed] == []


def test_each_template_is_used_under_its_own_kind():
    uses = _uses()[0]
    elsewhere = [
        f"{u.where} {u.template} as {u.kind!r}"
        for u in uses
        if not any(t is TEMPLATES[u.template] for t in TOOL_TEXTS.get(u.kind, ()))  # type: ignore[call-overload]
    ]
    assert elsewhere == []
    used = {id(TEMPLATES[u.template]) for u in uses}
    unused = [name for name, value in TEMPLATES.items() if id(value) not in used]
    assert unused == [], "in the catalogue but never written"


def test_each_use_fills_exactly_the_template_fields():
    def fields(template: str) -> frozenset[str]:
        parsed = string.Formatter().parse(template)
        return frozenset(name for _, name, _, _ in parsed if name is not None)

    wrong = [
        f"{u.where} {u.template}: gives {sorted(u.fields)}, needs {sorted(fields(TEMPLATES[u.template]))}"
        for u in _uses()[0]
        if u.fields is not None and u.fields != fields(TEMPLATES[u.template])
    ]
    assert wrong == []


def test_a_template_is_written_only_under_its_kind():
    assert tool_text("bash", EXIT_CODE, code=2) == "[exit code: 2]"
    try:
        tool_text("read", EXIT_CODE, code=2)
    except ValueError as error:
        assert "'read'" in str(error)
    else:
        raise AssertionError("a template written under another kind")
