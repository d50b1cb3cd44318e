"""What a small model's failed program points at in the workspace, shown under its traceback.

Qwen2.5-Coder-1.5B's program died on `KeyError: 'label'` reading test.csv, which has no label;
shown the failing line, it still said train.csv lacked the column and ran the program again
(bench/README.md, train-classifier). Asked to fix stats.py so that check.py passes, it saw
`AssertionError: [0.0, 0.25, 0.5]` under `assert min_max([2, 4, 6]) == ...` and ran
`sed 's/0.25/0.5/'` on stats.py without ever opening it (fix-bug). The columns each table has,
and the source of the workspace function the failing line calls, are the facts it guessed.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from tools.local.traceback_focus import failing_frames
from tools.local.workspace_listing import first_line, printable

MISSING_COLUMN = "`{key}` is a column of {having}; {lacking}."
NO_TABLE_HAS = "No table here has a column `{key}`. {columns}."
COLUMNS = "{name} has {columns}"
CALLED = "`{name}`, which the failing line calls ({path}, lines {first}-{last}):\n{source}"
MAX_TABLES = 6
MAX_FUNCTIONS = 2
MAX_FUNCTION_LINES = 30
MAX_SOURCE_BYTES = 200_000
MAX_MODULES = 50
_KEY_ERROR = re.compile(r"^KeyError: '([^'\n]{1,80})'$", re.M)
_READ_TABLE = re.compile(r"read_(?:csv|table)\(\s*[rf]?['\"]([^'\"\n]+)['\"]")
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_BUILTINS = frozenset(dir(builtins))


def failure_context(
    workspace: Path, command: str, output: str, hidden: Callable[[Path], bool]
) -> str:
    """Notes on a failed program's traceback in `output`: which tables have the missing column
    of a KeyError, and the source of workspace functions its failing line calls; empty when
    there is nothing to add. `hidden` says which paths are credentials, never shown."""
    if "Traceback (most recent call last):" not in output:
        return ""
    notes = [
        _columns_note(workspace, command, output, hidden),
        _called_note(workspace, output, hidden),
    ]
    shown = [n for n in notes if n]
    return "\n\n" + "\n\n".join(shown) if shown else ""


def _columns_note(
    workspace: Path, command: str, output: str, hidden: Callable[[Path], bool]
) -> str:
    keys = _KEY_ERROR.findall(output)
    if not keys:
        return ""
    key = keys[-1]
    headers = {name: cols for name, cols in _tables(workspace, command, hidden)}
    if not headers:
        return ""
    having = [name for name, cols in headers.items() if key in cols]
    lacking = [
        COLUMNS.format(name=n, columns=", ".join(c)) for n, c in headers.items() if key not in c
    ]
    if not having:
        return NO_TABLE_HAS.format(key=key, columns="; ".join(lacking))
    if not lacking:
        return ""  # every table has it: the missing key is something else
    return MISSING_COLUMN.format(
        key=key,
        having=" and ".join(having),
        lacking="; ".join(f"{t} (no `{key}`)" for t in lacking),
    )


def _tables(
    workspace: Path, command: str, hidden: Callable[[Path], bool]
) -> Iterator[tuple[str, list[str]]]:
    """The tables the command reads by name, else the workspace's top-level ones, with their
    columns (the first line split on commas or tabs)."""
    named = list(dict.fromkeys(_READ_TABLE.findall(command)))
    paths = [workspace / n for n in named] or sorted(
        p for p in workspace.glob("*") if p.suffix.lower() in (".csv", ".tsv")
    )
    for path in paths[:MAX_TABLES]:
        inside = _inside(workspace, path, hidden)
        header = first_line(inside).removeprefix(", first line: ") if inside else ""
        if header:
            sep = "\t" if inside and inside.suffix.lower() == ".tsv" else ","
            yield (
                printable(inside.relative_to(workspace).as_posix()),
                [c.strip().strip('"') for c in header.split(sep)],
            )


def _called_note(workspace: Path, output: str, hidden: Callable[[Path], bool]) -> str:
    """The source of up to two workspace functions that the innermost failing line of the
    workspace's own code calls, other than the function that line is in."""
    frames = [
        f
        for f in failing_frames(output)
        if f.path == "<stdin>" or _inside(workspace, Path(f.path), hidden)
    ]
    if not frames or not frames[-1].line:
        return ""
    frame = frames[-1]
    names = [
        n
        for n in dict.fromkeys(_CALL.findall(frame.line))
        if n not in _BUILTINS and n != frame.function
    ]
    if not names:
        return ""
    folder = workspace if frame.path == "<stdin>" else Path(frame.path).resolve().parent
    found = list(_definitions(workspace, folder, names, hidden))
    return "\n\n".join(found[:MAX_FUNCTIONS])


def _definitions(
    workspace: Path, folder: Path, names: list[str], hidden: Callable[[Path], bool]
) -> Iterator[str]:
    wanted = set(names)
    for path in sorted(folder.glob("*.py"))[:MAX_MODULES]:
        inside = _inside(workspace, path, hidden)
        if inside is None or inside.stat().st_size > MAX_SOURCE_BYTES:
            continue
        text = inside.read_text(errors="replace")
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        lines = text.split("\n")
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in wanted:
                wanted.discard(node.name)
                first, last = (
                    node.lineno,
                    min(node.end_lineno or node.lineno, node.lineno + MAX_FUNCTION_LINES - 1),
                )
                source = "\n".join(f"{n:6}\t{lines[n - 1]}" for n in range(first, last + 1))
                name = printable(inside.relative_to(workspace).as_posix())
                yield CALLED.format(
                    name=node.name, path=name, first=first, last=last, source=source
                )


def _inside(workspace: Path, path: Path, hidden: Callable[[Path], bool]) -> Path | None:
    """`path` resolved, when it is a regular file inside the workspace and no credential."""
    try:
        real = (workspace / path).resolve()
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(workspace) or hidden(real) or not real.is_file():
        return None
    return real
