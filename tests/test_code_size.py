"""Size discipline: no module over 400 lines, no function over 60 (option declarations aside)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.product_sources import parsed, walked

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cli", "graph", "nodes", "adaptations", "models", "tools", "configs", "bench")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def declaration_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines spent declaring CLI options (typer's `Annotated[..., typer.Option(...)]` arguments)."""
    if not function.args.args:
        return 0
    first, last = function.args.args[0], function.args.args[-1]
    return (last.end_lineno or last.lineno) - first.lineno + 1


def long_functions(path: Path) -> list[str]:
    found = []
    for node in walked(parsed(path)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = (node.end_lineno or node.lineno) - node.lineno + 1 - declaration_lines(node)
            if body > MAX_FUNCTION_LINES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({body} lines)")
    return found


def test_no_module_over_400_lines() -> None:
    big = [
        f"{p.relative_to(ROOT)} ({n} lines)"
        for p in sources()
        if (n := p.read_text().count("\n")) > MAX_MODULE_LINES
    ]
    assert big == []


def test_no_function_over_60_lines() -> None:
    assert [line for path in sources() for line in long_functions(path)] == []
