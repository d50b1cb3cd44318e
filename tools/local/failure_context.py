"""What a small model's failed program points at in the workspace, shown under its traceback.

What it shows: the columns each table has, and the source of the workspace function the failing
line calls.

Why: a 1.5B model guessed which table lacked a column (docs/lab/2026-11-25.md, train-classifier).
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from tools.local.traceback_focus import failing_frames
from tools.local.workspace_listing import first_line, printable
from tools.result_texts import tool_text
from tools.result_texts.shell import CALLED, COLUMNS, LACKING, MISSING_COLUMN, NO_TABLE_HAS
from tools.safe_paths import is_regular_at, read_bytes, rel_beneath
from tools.safe_tree import walk_at

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
        tool_text("failure_context", COLUMNS, name=n, columns=", ".join(c))
        for n, c in headers.items()
        if key not in c
    ]
    if not having:
        return tool_text("failure_context", NO_TABLE_HAS, key=key, columns="; ".join(lacking))
    if not lacking:
        return ""  # every table has it: the missing key is something else
    return tool_text(
        "failure_context",
        MISSING_COLUMN,
        key=key,
        having=" and ".join(having),
        lacking="; ".join(tool_text("failure_context", LACKING, table=t, key=key) for t in lacking),
    )


def _tables(
    workspace: Path, command: str, hidden: Callable[[Path], bool]
) -> Iterator[tuple[str, list[str]]]:
    """The tables the command reads by name, else the workspace's top-level ones, with their
    columns (the first line split on commas or tabs)."""
    named = list(dict.fromkeys(_READ_TABLE.findall(command)))
    paths = [workspace / n for n in named] or [
        workspace / e.rel
        for e in walk_at(workspace, "", max_depth=0)
        if Path(e.rel).suffix.lower() in (".csv", ".tsv")
    ]
    for path in paths[:MAX_TABLES]:
        inside = _inside(workspace, path, hidden)
        header = first_line(workspace, inside).removeprefix(", first line: ") if inside else ""
        if inside and header:
            sep = "\t" if Path(inside).suffix.lower() == ".tsv" else ","
            yield printable(inside), [c.strip().strip('"') for c in header.split(sep)]


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
    folder = (
        ""
        if frame.path == "<stdin>"
        else str(Path(_inside(workspace, Path(frame.path), hidden) or "").parent)
    )
    found = list(_definitions(workspace, folder, names, hidden))
    return "\n\n".join(found[:MAX_FUNCTIONS])


def _definitions(
    workspace: Path, folder: str, names: list[str], hidden: Callable[[Path], bool]
) -> Iterator[str]:
    wanted = set(names)
    modules = [e for e in walk_at(workspace, folder, max_depth=0) if e.rel.endswith(".py")]
    for entry in modules[:MAX_MODULES]:
        inside = _inside(workspace, workspace / folder / entry.rel, hidden)
        if inside is None:
            continue
        try:
            text = read_bytes(workspace, inside, MAX_SOURCE_BYTES).decode(errors="replace")
        except OSError:
            continue
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
                name = printable(inside)
                yield tool_text(
                    "failure_context",
                    CALLED,
                    name=node.name,
                    path=name,
                    first=first,
                    last=last,
                    source=source,
                )


def _inside(workspace: Path, path: Path, hidden: Callable[[Path], bool]) -> str | None:
    """`path` as a path beneath the workspace, taken as named, when a regular file (no link
    on the way) is there and it is no credential; else None."""
    rel = rel_beneath(workspace, path)
    if rel is None or hidden(workspace / rel) or not is_regular_at(workspace, rel):
        return None
    return rel
