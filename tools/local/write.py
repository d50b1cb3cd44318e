"""The `write` tool: create or overwrite a file atomically, only after reading what it replaces."""

from __future__ import annotations

import os
from typing import Any

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.editor_files import EditorFiles
from tools.local.file_checks import (
    Place,
    editor_for,
    named_path,
    off_loop,
    outside_workspace,
    place_of,
)
from tools.local.file_edits import ReadRegistry, write_file
from tools.local.kept_lines import current_text
from tools.outcome import Outcome
from tools.places import Walls
from tools.policy import file_rule
from tools.result_texts import tool_text
from tools.result_texts.files import NEW_FILE, WROTE
from tools.tool_factory import make_tool
from tools.tool_rules import ToolRule, each, first


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
    if (refusal := _refusal(call, seen, place, editor[0], content)) is not None:
        raise ToolException(refusal)
    existed = write_file(seen, call.thread_id, place, content, mode, editor)
    lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    noun = "line" if lines == 1 else "lines"
    shown = call.show(target)
    new = "" if existed else tool_text("write", NEW_FILE)
    done = tool_text("write", WROTE, lines=lines, noun=noun, path=shown, new=new)
    notes = "".join(each(call.rules, lambda r: r.written_note(target, content), ""))
    return done + notes, Outcome(wrote=(shown,)).artifact()


def _refusal(
    call: CallContext, seen: ReadRegistry, place: Place, reader: EditorFiles | None, content: str
) -> str | None:
    """A rule's answer in place of this write of a file the thread has read
    (`ToolRule.write_refusal`), judged against the text the file holds now; None when no rule
    takes that hook or none refuses (a file not read gets the write's own answer)."""
    takers = [r for r in call.rules if type(r).write_refusal is not ToolRule.write_refusal]
    if not takers or not seen.has_read(call.thread_id, place.target):
        return None
    if (old := current_text(place, reader)) is None:
        return None
    shown = call.show(place.target)
    return first(takers, lambda rule: rule.write_refusal(shown, old, content))


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
