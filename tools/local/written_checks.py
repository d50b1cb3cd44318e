"""What a small model is told about the file it wrote (the `written-notes` rule): a `.json`
that is not JSON, or a text that still holds placeholders, is said so.

The file is always written as sent: these are notes, never refusals or rewrites (no tool
changes a file the model wrote without the model asking).

Why: a 1.5B model wrote `f1: 0.767` lines into a .json file (docs/lab/2026-11-25.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tools.result_texts import tool_text
from tools.result_texts.files import NOT_JSON, PLACEHOLDERS

# `<number of rows>`: words in angle brackets, at least two, no `=` or `/` (an HTML tag has them
# or is one word).
_PLACEHOLDER = re.compile(r"<([A-Za-z][\w'-]*(?: [\w'-]+)+)>")
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
    return tool_text("written_notes", PLACEHOLDERS, shown=shown)


def _json_problem(content: str) -> str:
    """What a small model is told when its `.json` file is not JSON and does not read as
    key-value lines either."""
    error = _json_error(content)
    return tool_text("written_notes", NOT_JSON, error=error) if error else ""


def _json_error(content: str) -> ValueError | None:
    try:
        json.loads(content)
    except ValueError as error:
        return error
    return None
