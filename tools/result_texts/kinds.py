"""The kinds of tool-result text (`ToolTextKind`): one per tool family or note a tool adds,
each with its templates in one module of this package."""

from __future__ import annotations

from typing import Literal

ToolTextKind = Literal[
    "files",
    "read",
    "read_fit",
    "folder_read",
    "write",
    "written_notes",
    "edit",
    "text_elsewhere",
    "bash",
    "traceback_focus",
    "failure_context",
    "sed_unchanged",
    "one_line_python",
    "skill",
    "skill_close_match",
    "kernel",
    "figures",
    "glob",
    "grep",
    "plan",
    "listing",
    "sandbox",
    "git_guard",
    "web_search",
    "web_fetch",
    "web_guard",
    "web_http",
    "github",
    "github_find_examples",
    "github_search_code",
    "github_read_file",
    "github_list_repos",
    "mcp",
    "notify",
    "notebook",
]
