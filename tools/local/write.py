"""The `write` tool: create or overwrite a file atomically, only after reading what it replaces."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.local.file_checks import confined, editor_for, named_path, off_loop, outside_workspace
from tools.local.file_edits import ReadRegistry, write_file
from tools.places import Walls
from tools.policy import file_rule
from tools.tool_factory import make_tool

JSON_AGAIN = (
    'Write it again as JSON, keys in double quotes, e.g. {"name": 0.5, "table": [[1, 2], [3, 4]]}.'
)
AS_JSON = "What you wrote, as JSON: {json} Write exactly that."
AS_JSON_MAX_CHARS = 600
AS_JSON_MAX_VALUES = 200
# A value printed by numpy (`[[23 8]]`) reads as one string "23 8": not a value to offer back.
_NUMBERS_WITH_SPACES = re.compile(r"^\s*-?[\d.]+(?:\s+-?[\d.]+)+\s*$")


class WriteArgs(BaseModel):
    """Create or overwrite a file with `content` (UTF-8), creating parent directories; the
    write is atomic. Overwriting an existing file requires a `read` of it first in this
    conversation, and it must not have changed since. Prefer `edit` for small changes."""

    path: str = Field(description="File to create or overwrite.")
    content: str = Field(description="The complete new content of the file.")


def _write(
    call: CallContext, seen: ReadRegistry, walls: Walls | None, mode: int, path: str, content: str
) -> str:
    target = confined(call, path, "write", walls)
    editor = (editor_for(call, target, "read", walls), editor_for(call, target, "write", walls))
    existed = write_file(seen, call.thread_id, target, content, mode, editor)
    lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    noun = "line" if lines == 1 else "lines"
    done = f"Wrote {lines} {noun} to {call.show(target)}" + ("" if existed else " (new file)")
    return done + (_json_problem(content) if call.small_window and target.suffix == ".json" else "")


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
    wrote `f1: 0.767` lines and then the same call again when told only that it was not JSON).
    Short texts only, and a value of at most `AS_JSON_MAX_VALUES` parts (YAML's aliases can
    make a few lines into a huge value)."""
    import yaml

    if len(content) > AS_JSON_MAX_CHARS:
        return None
    try:
        value = yaml.safe_load(content)
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(value, dict | list) or not value or not _plain(value):
        return None
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:  # NaN or infinity
        return None


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


def default_file_mode() -> int:
    """What a new file gets under the process umask (as `open()` would give it)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_spec(seen: ReadRegistry, walls: Walls | None = None) -> ToolSpec:
    return ToolSpec(
        tool=make_tool("write", WriteArgs, off_loop(_write, seen, walls, default_file_mode())),
        family="local",
        kind="edit",
        path_arg="path",
        approval=file_rule("write", walls, "content"),
        describe=outside_workspace("Write"),
        summary="path",
        workspace_effect="paths",
        changed_paths=named_path,
    )
