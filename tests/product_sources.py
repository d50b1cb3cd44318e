"""The product's Python sources, read and parsed once per test process.

The tests that enumerate the code (the kinds a message or a tool text is marked with, the
docstrings' origin stories) walk the same few hundred files; each parsing them again was
most of their time. The trees are shared: walk them, never change them. A shared tree's
nodes are listed once too (`walked`): a walk of the product's ~290,000 nodes is ~0.5 s of
CPU, and about fifteen walks of the suite's tests went over all of them.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cli", "serve", "graph", "store", "nodes", "adaptations", "models", "tools", "configs")


@functools.cache
def product_files(packages: tuple[str, ...] = PACKAGES) -> tuple[Path, ...]:
    """Every `.py` file under `packages`, sorted."""
    return tuple(sorted(f for p in packages for f in (ROOT / p).rglob("*.py")))


def source(path: Path) -> str:
    """`path`'s text: read once when it is the repository's (a test's own files fresh)."""
    return _source(path) if path.is_relative_to(ROOT) else path.read_text(encoding="utf-8")


def parsed(path: Path) -> ast.Module:
    """`path` parsed: once when it is the repository's (a test's own files fresh)."""
    return _parsed(path) if path.is_relative_to(ROOT) else ast.parse(source(path), str(path))


@functools.cache
def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def walked(tree: ast.AST) -> Iterable[ast.AST]:
    """`ast.walk(tree)`: the same nodes in the same order, for a tree `parsed` shares listed on
    its first walk and read from that list after; any other tree walked as usual."""
    if id(tree) not in _WALKS:
        return ast.walk(tree)
    nodes = _WALKS[id(tree)]
    if nodes is None:
        nodes = _WALKS[id(tree)] = tuple(ast.walk(tree))
    return nodes


# The shared trees by id (they live as long as `_parsed`'s cache): their nodes, once walked.
_WALKS: dict[int, tuple[ast.AST, ...] | None] = {}


@functools.cache
def _parsed(path: Path) -> ast.Module:
    tree = ast.parse(_source(path), str(path))
    _WALKS[id(tree)] = None
    return tree
