"""The `edit` tool: replace text in a file the thread has read (exact, then whitespace-tolerant)."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.local.file_checks import (
    editor_for,
    named_path,
    off_loop,
    outside_workspace,
    place_of,
    require_file,
    secret_filter,
)
from tools.local.file_edits import ReadRegistry, TextNotFound, describe_edit, edit_file
from tools.outcome import Outcome
from tools.places import Walls
from tools.policy import file_rule
from tools.result_texts import tool_text
from tools.result_texts.files import CREATE_HINT
from tools.tool_factory import make_tool
from tools.tool_rules import each


class EditArgs(BaseModel):
    """Replace `old_str` with `new_str` in a file you have read. `old_str` must match the file
    exactly (copy it from `read` output without the line-number prefix) and be unique: add
    surrounding lines to make it unique, or set replace_all=true to change every occurrence.
    If there is no exact match but exactly one match ignoring whitespace, that one is replaced
    and the result says so. Returns the edited region with line numbers."""

    path: str = Field(description="File to change; `read` it first.")
    old_str: str = Field(description="Exact text to replace, copied without line-number prefixes.")
    new_str: str = Field(description="Text to put in its place.")
    replace_all: bool = Field(False, description="Replace every occurrence instead of one.")


def _edit(
    call: CallContext,
    seen: ReadRegistry,
    walls: Walls | None,
    path: str,
    old_str: str,
    new_str: str,
    replace_all: bool,
) -> tuple[str, dict[str, Any]]:
    place = place_of(call, path, "write", walls)
    target = place.target
    require_file(place, tool_text("edit", CREATE_HINT))
    editor = (editor_for(call, target, "read", walls), editor_for(call, target, "write", walls))
    try:
        outcome = edit_file(seen, call.thread_id, place, old_str, new_str, replace_all, editor)
    except TextNotFound as error:
        if not call.rules:
            raise
        hidden = secret_filter(call, walls)
        found = each(call.rules, lambda r: r.edit_missing(call, target, old_str, hidden), "")
        raise ToolException(f"{error}{''.join(found)}") from None
    shown = call.show(target)
    return describe_edit(shown, outcome), Outcome(wrote=(shown,)).artifact()


def edit_spec(seen: ReadRegistry, walls: Walls | None = None) -> ToolSpec:
    return ToolSpec(
        tool=make_tool("edit", EditArgs, off_loop(_edit, seen, walls), artifact=True),
        family="local",
        kind="edit",
        path_arg="path",
        approval=file_rule("write", walls, "new_str"),
        describe=outside_workspace("Edit"),
        summary="path",
        workspace_effect="paths",
        changed_paths=named_path,
        lean_args=frozenset(),
    )
