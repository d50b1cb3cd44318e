"""The `glob` tool: files and directories by name pattern, newest first, for every model alike
(names only, as Claude Code's Glob gives them; sizes are `bash`'s or the workspace listing's).
"""

from __future__ import annotations

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.local.file_checks import (
    is_folder,
    off_loop,
    outside_workspace,
    place_of,
    secret_filter,
)
from tools.local.file_walk import Hit, glob_regex, mtime, walk
from tools.places import Walls
from tools.policy import file_rule
from tools.result_texts import tool_text
from tools.result_texts.search import ABSOLUTE, DEEPER, MORE_HITS, NO_FILES_MATCH, NOT_A_FOLDER
from tools.tool_factory import make_tool

MAX_RESULTS = 200


class GlobArgs(BaseModel):
    """Find files and directories by name pattern (pathlib glob: `*`, `?`, `[abc]`, `**` for
    any depth, `{a,b}` for alternatives). `**/*.py` searches subdirectories; `*.py` only the
    top directory. Newest first, at most 200. Skips .git, .venv, node_modules, __pycache__."""

    pattern: str = Field(description="Glob pattern such as `**/*.py` or `configs/*.json`.")
    path: str | None = Field(None, description="Directory to search (default: the workspace).")


def _glob(call: CallContext, walls: Walls | None, pattern: str, path: str | None) -> str:
    place = place_of(call, path or ".", "read", walls)
    base = place.target
    if not is_folder(place):
        raise ToolException(tool_text("glob", NOT_A_FOLDER, path=base))
    if pattern.startswith("/"):
        raise ToolException(tool_text("glob", ABSOLUTE))
    regex = glob_regex(pattern)
    depth = None if "**" in pattern else pattern.strip("/").count("/")
    hits = [
        p
        for p in walk(place, depth, dirs=True, hidden=secret_filter(call, walls))
        if regex.fullmatch(p.rel)
    ]
    if not hits:
        hint = tool_text("glob", DEEPER, pattern=pattern) if depth == 0 else ""
        return tool_text("glob", NO_FILES_MATCH, pattern=pattern, path=call.show(base), hint=hint)
    hits.sort(key=mtime, reverse=True)
    shown = [_shown(call, p) for p in hits[:MAX_RESULTS]]
    more = len(hits) - MAX_RESULTS
    tail = [tool_text("glob", MORE_HITS, count=more)] if more > 0 else []
    return "\n".join(shown + tail)


def _shown(call: CallContext, hit: Hit) -> str:
    """One hit: a directory ends in `/`."""
    return call.show(hit.path) + ("/" if hit.folder else "")


def glob_spec(walls: Walls | None = None) -> ToolSpec:
    return ToolSpec(
        tool=make_tool("glob", GlobArgs, off_loop(_glob, walls)),
        family="local",
        kind="search",
        approval=file_rule("read", walls),
        read_only=True,
        describe=outside_workspace("Glob"),
        summary="pattern",
        lean_args=frozenset(),
    )
