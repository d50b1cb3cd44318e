"""What a small model's file becomes and what it is told: a `.json` of plain key-value lines is
saved as the JSON it means; one that is not JSON otherwise, or a text that still holds
placeholders, is said so.

Qwen2.5-Coder-1.5B wrote F1 and a confusion matrix it had computed right as `f1: 0.767` lines
into metrics.json; told that it was not JSON it sent the same `write` again, and offered the
JSON it meant it sent the same `write` again too (bench/README.md, f1-confusion). Asked for a
dataset card, it wrote `<number of rows>` and then numbers it never computed (dataset-card).
Anything else is written as sent: these are notes, not refusals.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

JSON_AGAIN = (
    'Write it again as JSON, keys in double quotes, e.g. {"name": 0.5, "table": [[1, 2], [3, 4]]}.'
)
JSON_SAVED = ", as JSON: {json} (what you sent was not JSON, and a .json file must be)."
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


def json_form(target: Path, content: str) -> str | None:
    """The JSON a `.json` file's content means when it is not JSON but reads as plain
    key-value lines (saved instead of it); None otherwise."""
    if target.suffix != ".json" or _json_error(content) is None:
        return None
    return _as_json(content)


def saved_as_json(meant: str) -> str:
    return JSON_SAVED.format(json=meant)


def _json_problem(content: str) -> str:
    """What a small model is told when its `.json` file is not JSON and does not read as
    key-value lines either."""
    error = _json_error(content)
    return f", but it is not valid JSON ({error}). {JSON_AGAIN}" if error else ""


def _json_error(content: str) -> ValueError | None:
    try:
        json.loads(content)
    except ValueError as error:
        return error
    return None


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
