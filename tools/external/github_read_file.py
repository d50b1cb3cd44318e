"""The `github_read_file` tool: a file (numbered lines, paged) or a directory listing from GitHub."""

from __future__ import annotations

import base64
from urllib.parse import quote

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.external.github import MAX_LINE_CHARS, RAW, github_get
from tools.external.notebook_text import notebook_as_markdown
from tools.policy import always
from tools.result_texts import tool_text
from tools.result_texts.github import BINARY, FOLDER, LINES_SHOWN, NOT_A_FILE, PAST_END, READING
from tools.text import numbered
from tools.tool_factory import make_tool


class ReadFileArgs(BaseModel):
    """Read a file (or list a directory) from a GitHub repository, with numbered lines like
    `read`. `ref` is a branch, tag or commit (default: the default branch). Shows `limit`
    lines from line `offset` and says how to read further. Notebooks (.ipynb) come as
    markdown cells with code fenced and outputs trimmed."""

    repo: str = Field(description="owner/name, e.g. huggingface/transformers.")
    path: str = Field(description="Path in the repository; '' or '/' lists the root.")
    ref: str | None = Field(None, description="Branch, tag or commit sha.")
    offset: int = Field(1, ge=1, description="First line to show (1-based).")
    limit: int = Field(500, ge=1, le=5000, description="How many lines to show.")


async def _read_file(
    _call: CallContext,
    repo: str,
    path: str,
    ref: str | None = None,
    offset: int = 1,
    limit: int = 500,
) -> str:
    where = f"/repos/{quote(repo, safe='/')}/contents/{quote(path.strip('/'))}"
    params = {"ref": ref} if ref else None
    action = tool_text("github", READING, what=f"{repo}/{path}")
    data = await github_get(where, action=action, params=params)
    if isinstance(data, list):
        entries = sorted(data, key=lambda e: (e.get("type") != "dir", e.get("name", "")))
        lines = [f"{e['path']}{'/' if e.get('type') == 'dir' else ''}" for e in entries]
        folder, listed = f"{repo}/{path.strip('/')}", "\n".join(lines)
        return tool_text("github_read_file", FOLDER, path=folder, count=len(lines), entries=listed)
    if data.get("type") != "file":
        kind = data.get("type")
        raise ToolException(
            tool_text("github_read_file", NOT_A_FILE, path=f"{repo}/{path}", kind=kind)
        )
    if data.get("encoding") == "base64" and data.get("content"):
        raw = base64.b64decode(data["content"])
        if b"\0" in raw[:8192]:
            size = data.get("size", len(raw))
            return tool_text("github_read_file", BINARY, path=f"{repo}/{path}", size=size)
        text = raw.decode("utf-8", errors="replace")
    else:  # over 1 MB the contents API leaves `content` empty: fetch the raw file
        text = await github_get(where, action=action, params=params, accept=RAW)
    if path.lower().endswith(".ipynb") and (cells := notebook_as_markdown(text)) is not None:
        text = cells
    return page_of(text, offset, limit, f"{repo}/{path}")


def page_of(text: str, offset: int, limit: int, label: str) -> str:
    lines = text.splitlines()
    shown = lines[offset - 1 : offset - 1 + limit]
    body = numbered((line[:MAX_LINE_CHARS] for line in shown), offset)
    end = offset - 1 + len(shown)
    if end < len(lines):
        body += tool_text(
            "github_read_file",
            LINES_SHOWN,
            label=label,
            first=offset,
            last=end,
            total=len(lines),
            next=end + 1,
        )
    elif not shown:
        body = tool_text("github_read_file", PAST_END, label=label, total=len(lines), offset=offset)
    return body


def read_file_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("github_read_file", ReadFileArgs, _read_file),
        family="external",
        kind="fetch",
        approval=always("auto"),
        read_only=True,
        summary=lambda args: f"{args.get('repo')}/{args.get('path')}",
    )
