"""The `grep` tool: lines matching a Python regular expression, as `path:line:text`."""

from __future__ import annotations

import re
import stat

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.local.file_checks import off_loop, outside_workspace, place_of, secret_filter
from tools.local.file_walk import Hit, glob_regex, text_lines, walk
from tools.places import Walls
from tools.policy import file_rule
from tools.result_texts import tool_text
from tools.result_texts.search import (
    BAD_REGEX,
    CREDENTIAL_PLACE,
    LINKS_SKIPPED,
    MATCH,
    NO_MATCHES,
    NO_PATH,
    STOPPED,
)
from tools.safe_paths import lstat_at
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
        raise ToolException(tool_text("grep", BAD_REGEX, pattern=pattern, error=e)) from e


def _grep(
    call: CallContext, walls: Walls | None, pattern: str, path: str | None, glob: str | None
) -> str:
    regex = _compile(pattern)
    place = place_of(call, path or ".", "read", walls)
    base = place.target
    hidden = secret_filter(call, walls)
    if hidden(base):
        raise ToolException(tool_text("grep", CREDENTIAL_PLACE, path=base))
    st = lstat_at(place.anchor, place.rel)
    if st is None:
        raise ToolException(tool_text("grep", NO_PATH, path=base))
    wanted = glob_regex(glob or "**")
    by_name = bool(glob) and "/" not in glob
    single = not stat.S_ISDIR(st.st_mode)
    hits = [Hit(base, base.name, place, st)] if single else walk(place, None, False, hidden)
    matches: list[str] = []
    skipped = 0
    for hit in hits:
        rel = hit.path.name if by_name else hit.rel
        if not single and not wanted.fullmatch(rel):
            continue
        if stat.S_ISLNK(hit.st.st_mode):
            skipped += 1  # never followed: it could lead anywhere the approval did not cover
            continue
        for n, line in text_lines(hit.place):
            if not regex.search(line):
                continue
            if len(matches) == MAX_RESULTS:
                return "\n".join([*matches, tool_text("grep", STOPPED, count=MAX_RESULTS)])
            shown = call.show(hit.path)
            matches.append(tool_text("grep", MATCH, path=shown, line=n, text=line[:300]))
    note = tool_text("grep", LINKS_SKIPPED, count=skipped) if skipped else ""
    none = tool_text("grep", NO_MATCHES, pattern=pattern, path=call.show(base))
    return ("\n".join(matches) or none) + note


def grep_spec(walls: Walls | None = None) -> ToolSpec:
    return ToolSpec(
        tool=make_tool("grep", GrepArgs, off_loop(_grep, walls)),
        family="local",
        kind="search",
        approval=file_rule("read", walls),
        read_only=True,
        describe=outside_workspace("Grep"),
        summary="pattern",
        lean_args=frozenset({"path"}),
    )
