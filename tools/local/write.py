"""The `write` tool: create or overwrite a file atomically, only after reading what it replaces."""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.local.file_checks import (
    editor_for,
    named_path,
    off_loop,
    outside_workspace,
    place_of,
)
from tools.local.file_edits import ReadRegistry, write_file
from tools.outcome import Outcome
from tools.places import Walls
from tools.policy import file_rule
from tools.result_texts import tool_text
from tools.result_texts.files import NEW_FILE, WROTE
from tools.tool_factory import make_tool
from tools.tool_rules import each


class WriteArgs(BaseModel):
    """Create or overwrite a file with `content` (UTF-8), creating parent directories; the
    write is atomic. Overwriting an existing file requires a `read` of it first in this
    conversation, and it must not have changed since. Prefer `edit` for small changes."""

    path: str = Field(description="File to create or overwrite.")
    content: str = Field(description="The complete new content of the file.")


def _write(
    call: CallContext, seen: ReadRegistry, walls: Walls | None, mode: int, path: str, content: str
) -> tuple[str, dict[str, Any]]:
    place = place_of(call, path, "write", walls)
    target = place.target
    editor = (editor_for(call, target, "read", walls), editor_for(call, target, "write", walls))
    existed = write_file(seen, call.thread_id, place, content, mode, editor)
    lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    noun = "line" if lines == 1 else "lines"
    shown = call.show(target)
    new = "" if existed else tool_text("write", NEW_FILE)
    done = tool_text("write", WROTE, lines=lines, noun=noun, path=shown, new=new)
    notes = "".join(each(call.rules, lambda r: r.written_note(target, content), ""))
    return done + notes, Outcome(wrote=(shown,)).artifact()


def default_file_mode() -> int:
    """What a new file gets under the process umask (as `open()` would give it)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_spec(seen: ReadRegistry, walls: Walls | None = None) -> ToolSpec:
    return ToolSpec(
        tool=make_tool(
            "write",
            WriteArgs,
            off_loop(_write, seen, walls, default_file_mode()),
            artifact=True,
        ),
        family="local",
        kind="edit",
        path_arg="path",
        approval=file_rule("write", walls, "content"),
        describe=outside_workspace("Write"),
        summary="path",
        workspace_effect="paths",
        changed_paths=named_path,
    )
