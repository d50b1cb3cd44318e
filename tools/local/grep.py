"""The `grep` tool: lines matching a Python regular expression, as `path:line:text`."""

from __future__ import annotations

import re

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.local.file_checks import confined, off_loop, outside_workspace, secret_filter
from tools.local.file_walk import glob_regex, text_lines, walk
from tools.places import Walls
from tools.policy import file_rule
from tools.tool_factory import make_tool

MAX_RESULTS = 200


class GrepArgs(BaseModel):
    """Search file contents with a Python regular expression and return `path:line:text` for
    each matching line (at most 200). `path` is a file or a directory (default: the
    workspace); `glob` limits which files are searched, e.g. `*.py` or `src/**/*.ts`.
    Binary files and .git, .venv, node_modules, __pycache__ are skipped."""

    pattern: str = Field(description="Python regular expression to search for.")
    path: str | None = Field(None, description="File or directory (default: the workspace).")
    glob: str | None = Field(None, description="Only search files matching this, e.g. `*.py`.")


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise ToolException(
            f"Invalid regular expression {pattern!r}: {e}. grep uses Python `re` syntax; "
            "escape literal characters such as ( [ . * + ? with a backslash."
        ) from e


def _grep(
    call: CallContext, walls: Walls | None, pattern: str, path: str | None, glob: str | None
) -> str:
    regex = _compile(pattern)
    base = confined(call, path or ".", "read", walls)
    hidden = secret_filter(call, walls)
    if hidden(base):
        raise ToolException(f"{base} is a credential place: grep does not search it.")
    if not base.exists():
        raise ToolException(f"Path not found: {base}. Check it, or use `glob` to find it.")
    wanted = glob_regex(glob or "**")
    by_name = bool(glob) and "/" not in glob
    files = [base] if base.is_file() else walk(base, None, dirs=False, hidden=hidden)
    matches: list[str] = []
    skipped = 0
    for file in files:
        rel = file.name if by_name else file.relative_to(base).as_posix()
        if file != base and not wanted.fullmatch(rel):
            continue
        if file != base and not file.resolve().is_relative_to(base):
            skipped += 1  # a symlink out of the searched tree: the approval covered `base` only
            continue
        for n, line in text_lines(file):
            if not regex.search(line):
                continue
            if len(matches) == MAX_RESULTS:
                return "\n".join([*matches, f"[stopped at {MAX_RESULTS} matches; narrow it down]"])
            matches.append(f"{call.show(file)}:{n}:{line[:300]}")
    note = (
        f"\n[skipped {skipped} symlinked file(s) pointing outside {call.show(base)}]"
        if skipped
        else ""
    )
    return ("\n".join(matches) or f"No matches for {pattern!r} in {call.show(base)}.") + note


def grep_spec(walls: Walls | None = None) -> ToolSpec:
    return ToolSpec(
        tool=make_tool("grep", GrepArgs, off_loop(_grep, walls)),
        family="local",
        kind="search",
        approval=file_rule("read", walls),
        read_only=True,
        describe=outside_workspace("Grep"),
        summary="pattern",
    )
