"""The `read` tool: a text file, numbered like `cat -n`, paged by offset and limit."""

from __future__ import annotations

import io
import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from configs.skills import BUNDLED_DIR
from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.editor_files import text_version
from tools.local.file_checks import (
    Place,
    editor_for,
    is_binary,
    off_loop,
    opened_file,
    outside_workspace,
    place_of,
    secret_filter,
)
from tools.local.file_edits import ReadRegistry
from tools.local.file_walk import walk
from tools.local.read_fit import Page
from tools.places import Walls
from tools.policy import ApprovalRule, FileRule, Need, inside_workspace
from tools.result_texts import tool_text
from tools.result_texts.files import (
    BINARY,
    EMPTY,
    FOLDER_FILES,
    FURTHER,
    LINE_TRUNCATED,
    MORE_FILES,
    NO_FILES,
    PAST_END,
    READ_HINT,
    SHOWING,
    TOO_LARGE,
)
from tools.text import numbered
from tools.tool_factory import make_tool
from tools.tool_rules import first

MAX_LINE_CHARS = 2000
ENDING_LINES = 200
FOLDER_SHOWN = 20
READ_MAX_BYTES = 256 << 20  # larger files: `bash` with head, tail, sed -n or grep


class ReadArgs(BaseModel):
    """Read a text file. Lines come numbered like `cat -n` (number, tab, text); the numbers are
    not part of the file. Shows up to `limit` lines (default 2000) starting at line `offset`
    (1-based), and says how to read further. Binary files report only their size. You must
    read an existing file before `write` or `edit` may change it."""

    path: str = Field(description="File to read, relative to the workspace or absolute.")
    offset: int | None = Field(None, ge=1, description="First line to show (1-based).")
    limit: int = Field(2000, ge=1, description="Maximum number of lines to show.")


def read_file(
    call: CallContext,
    seen: ReadRegistry,
    walls: Walls | None,
    path: str,
    offset: int | None,
    limit: int,
) -> str:
    place = place_of(call, path, "read", walls)
    target = place.target
    if (answer := first(call.rules, lambda r: r.folder_read(call, walls, place))) is not None:
        raise ToolException(answer)
    with opened_file(place, tool_text("read", READ_HINT), None) as file:
        st = file.st
        editor = editor_for(call, target, "read", walls)
        if is_binary(file):
            seen.record(call.thread_id, target, st)
            return tool_text("read", BINARY, path=call.show(target), size=st.st_size)
        if editor is None:
            if st.st_size > READ_MAX_BYTES:
                raise ToolException(
                    tool_text(
                        "read",
                        TOO_LARGE,
                        path=call.show(target),
                        size=st.st_size,
                        limit=READ_MAX_BYTES,
                    )
                )
            seen.record(call.thread_id, target, st)
            with open(file.fd, "rb", closefd=False) as f:
                return paged(call, target, f, offset, limit, st.st_size)
    text = editor.read_text(target)  # the editor's buffer, unsaved changes included
    seen.record(call.thread_id, target, version=text_version(text))
    lines = io.StringIO(text, newline="\n")
    size = len(text.encode("utf-8", errors="replace"))  # the note says kB: bytes, not chars
    return paged(call, target, lines, offset, limit, size)


def folder_note(call: CallContext, walls: Walls | None, place: Place) -> str:
    """A small model's `read` of a folder answered with its files and the call that reads the
    first.

    Why: told to `glob` it, a 1.5B model read the folder again (docs/lab/2026-11-25.md).
    """
    hidden = secret_filter(call, walls)
    folder = place.target
    files = [hit.path for hit in walk(place, 0, dirs=False, hidden=hidden) if hit.regular]
    if not files:
        return tool_text("folder_read", NO_FILES, folder=call.show(folder))
    names = [call.show(p) for p in files[:FOLDER_SHOWN]]
    left = len(files) - FOLDER_SHOWN
    more = tool_text("folder_read", MORE_FILES, count=left) if left > 0 else ""
    first = json.dumps({"path": names[0]})
    return tool_text(
        "folder_read",
        FOLDER_FILES,
        folder=call.show(folder),
        names=", ".join(names),
        more=more,
        first=first,
    )


def paged(
    call: CallContext,
    target: Path,
    lines: Iterable[bytes | str],
    offset: int | None,
    limit: int,
    size: int = 0,
) -> str:
    """Lines `offset`.. of a file, numbered, with how to read further; or what a rule shows
    instead (`ToolRule.read_page`: past a small-window model's share, the head and tail and
    how to search instead)."""
    start = offset or 1
    kept: list[str] = []
    # Read from its start by a small model: the file's last lines, shown if the rest is cut.
    ending: deque[str] | None = (
        deque(maxlen=ENDING_LINES) if call.read_tokens and start == 1 else None
    )
    total = 0
    for total, raw in enumerate(lines, start=1):
        inside = start <= total < start + limit
        if inside or ending is not None:
            text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
            line = text.rstrip("\n").removesuffix("\r")
            cut = len(line) > MAX_LINE_CHARS
            line = line[:MAX_LINE_CHARS] + (tool_text("read", LINE_TRUNCATED) if cut else "")
            if inside:
                kept.append(line)
            if ending is not None:
                ending.append(line)
    shown = call.show(target)
    if total == 0:
        return tool_text("read", EMPTY, path=shown)
    if start > total:
        raise ToolException(tool_text("read", PAST_END, offset=start, path=shown, total=total))
    page = Page(shown, kept, start, total, size, tuple(ending or ()))
    if (instead := first(call.rules, lambda rule: rule.read_page(call, page))) is not None:
        return instead
    last = start + len(kept) - 1
    text = numbered(kept, start)
    if start > 1 or last < total:
        further = tool_text("read", FURTHER, offset=last + 1) if last < total else ""
        text += tool_text("read", SHOWING, first=start, last=last, total=total, further=further)
    return text


@dataclass(frozen=True)
class ReadRule(FileRule):
    """Free inside the workspace and in the bundled skills (their templates are ours to show);
    elsewhere as tools/places.py says (credential places: a human every time).

    A `read` shows the file's text (`shows_text`: tools/policy.py `judge_reply`).
    """

    shows_text: bool = True

    def __call__(self, args: Mapping[str, Any], workspace: Path) -> Need:
        path = args.get("path")
        if (
            isinstance(path, str)
            and Path(path).is_absolute()
            and inside_workspace(path, BUNDLED_DIR)
        ):
            return "auto"
        return super().__call__(args, workspace)


def read_rule(walls: Walls | None) -> ApprovalRule:
    """`read`'s approval rule (see `ReadRule`)."""
    return ReadRule("read", walls)


def read_spec(seen: ReadRegistry, walls: Walls | None = None) -> ToolSpec:
    return ToolSpec(
        tool=make_tool("read", ReadArgs, off_loop(read_file, seen, walls)),
        family="local",
        kind="read",
        path_arg="path",
        approval=read_rule(walls),
        read_only=True,
        describe=outside_workspace("Read"),
        summary="path",
    )
