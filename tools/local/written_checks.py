"""What a small model is told about a file it has just written: a `.json` that is not JSON, a
text that still holds placeholders.

Qwen2.5-Coder-1.5B wrote F1 and a confusion matrix it had computed right as `f1: 0.767` lines
into metrics.json, and told only that it was not JSON sent the same `write` again; asked for a
dataset card, it wrote `<number of rows>` and then numbers it never computed (bench/README.md,
f1-confusion and dataset-card). The file is written all the same: these are notes, not refusals.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

JSON_AGAIN = (
    'Write it again as JSON, keys in double quotes, e.g. {"name": 0.5, "table": [[1, 2], [3, 4]]}.'
)
AS_JSON = "What you wrote, as JSON: {json} Write exactly that."
AS_JSON_MAX_CHARS = 600
AS_JSON_MAX_VALUES = 200
# A value printed by numpy (`[[23 8]]`) reads as one string "23 8": not a value to offer back.
_NUMBERS_WITH_SPACES = re.compile(r"^\s*-?[\d.]+(?:\s+-?[\d.]+)+\s*$")
_ROW_BREAK = re.compile(r"\]\s*\n\s*\[")
_BRACKETED = re.compile(r"\[[-\d.\s\[\],]*\]")
_SPACED_NUMBERS = re.compile(r"(?<=[\d\]])[ \t]+(?=[-\d\[])")
# `<number of rows>`: words in angle brackets, at least two, no `=` or `/` (an HTML tag has them
# or is one word).
_PLACEHOLDER = re.compile(r"<([A-Za-z][\w'-]*(?: [\w'-]+)+)>")
PLACEHOLDERS = (
    ", but it still holds placeholders ({shown}): find the real values with your tools (`bash` "
    "with python3), then write the file again with them."
)
MAX_PLACEHOLDERS = 3


def written_notes(target: Path, content: str) -> str:
    """The note for a small model's file, or nothing: JSON for a `.json`, placeholders else."""
    if target.suffix == ".json":
        return _json_problem(content)
    return _placeholders(content)


def _placeholders(content: str) -> str:
    found = list(dict.fromkeys(m.group(0) for m in _PLACEHOLDER.finditer(content)))
    if not found:
        return ""
    shown = ", ".join(found[:MAX_PLACEHOLDERS]) + (", ..." if len(found) > MAX_PLACEHOLDERS else "")
    return PLACEHOLDERS.format(shown=shown)


def _json_problem(content: str) -> str:
    """What a small model is told when its `.json` file is not JSON: it wrote metrics it had
    computed right as `f1: 0.7667` lines into metrics.json (bench/README.md, f1-confusion)."""
    try:
        json.loads(content)
    except ValueError as error:
        offered = _as_json(content)
        again = AS_JSON.format(json=offered) if offered else JSON_AGAIN
        return f", but it is not valid JSON ({error}). {again}"
    return ""


def _as_json(content: str) -> str | None:
    """`content` as JSON when it reads as YAML key-value lines of plain values (the model
    wrote `f1: 0.767` lines and then the same call again when told only that it was not JSON),
    numpy's printed rows (`[[23  8]\n [ 6 23]]`) read as lists. Short texts only, and a value of
    at most `AS_JSON_MAX_VALUES` parts (YAML's aliases can make a few lines into a huge value)."""
    if len(content) > AS_JSON_MAX_CHARS:
        return None
    for text in dict.fromkeys((content, _numpy_rows_as_lists(content))):
        value = _yaml_value(text)
        if isinstance(value, dict | list) and value and _plain(value):
            try:
                return json.dumps(value, ensure_ascii=False, allow_nan=False)
            except ValueError:  # NaN or infinity
                return None
    return None


def _yaml_value(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return None


def _numpy_rows_as_lists(text: str) -> str:
    """`[[23  8]\n [ 6 23]]` as `[[23, 8], [6, 23]]`: rows joined, numbers in brackets comma-separated."""
    text = _ROW_BREAK.sub("], [", text)
    return _BRACKETED.sub(lambda m: _SPACED_NUMBERS.sub(", ", m.group(0)), text)


def _plain(value: Any) -> bool:
    """Only numbers, booleans, null and strings (no numpy-printed rows), in few parts."""
    todo, parts = [value], 0
    while todo:
        item = todo.pop()
        parts += 1
        if parts > AS_JSON_MAX_VALUES:
            return False
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, str):
            if _NUMBERS_WITH_SPACES.match(item):
                return False
        elif not (item is None or isinstance(item, bool | int | float)):
            return False
    return True
