"""The `github_search_code` tool: code search on GitHub (GitHub requires a token for it)."""

from __future__ import annotations

import os

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.external.github import TEXT_MATCH, github_get
from tools.policy import always
from tools.result_texts import tool_text
from tools.result_texts.github import (
    CODE_FILE,
    CODE_MATCHES,
    CODE_SEARCH,
    FRAGMENT_LINE,
    FRAGMENTS,
    NEEDS_TOKEN,
    NO_CODE,
)
from tools.tool_factory import make_tool


class SearchCodeArgs(BaseModel):
    """Search code on GitHub (needs GITHUB_TOKEN). Returns matching files as `repo:path` with
    the matching fragments. `query` uses GitHub code-search syntax (words, "exact phrase",
    `symbol:`, `extension:`); repo, language and path narrow it. GitHub allows about 10 code
    searches a minute. Follow up with github_read_file to read a whole file."""

    query: str = Field(description="What to search for, e.g. 'LoraConfig target_modules'.")
    repo: str | None = Field(None, description="Only this repository, as owner/name.")
    language: str | None = Field(None, description="Only this language, e.g. python.")
    path: str | None = Field(None, description="Only under this path, e.g. examples/.")
    limit: int = Field(10, ge=1, le=50, description="How many files (max 50).")


async def _search_code(
    _call: CallContext,
    query: str,
    repo: str | None = None,
    language: str | None = None,
    path: str | None = None,
    limit: int = 10,
) -> str:
    if not os.environ.get("GITHUB_TOKEN"):
        raise ToolException(tool_text("github_search_code", NEEDS_TOKEN))
    qualifiers = [f"repo:{repo}" if repo else "", f"language:{language}" if language else ""]
    qualifiers.append(f"path:{path}" if path else "")
    q = " ".join([query, *filter(None, qualifiers)])
    params = {"q": q, "per_page": limit}
    data = await github_get(
        "/search/code", action=tool_text("github", CODE_SEARCH), params=params, accept=TEXT_MATCH
    )
    items = data.get("items") or []
    if not items:
        return tool_text("github_search_code", NO_CODE, query=q)
    total = data.get("total_count", len(items))
    blocks = [tool_text("github_search_code", CODE_MATCHES, total=total, query=q, count=len(items))]
    for item in items[:limit]:
        fragments = [m.get("fragment", "") for m in item.get("text_matches") or []]
        shown = "\n".join(
            tool_text("github_search_code", FRAGMENT_LINE, line=line)
            for f in fragments
            for line in f.strip().splitlines()
        )
        found = tool_text("github_search_code", FRAGMENTS, lines=shown) if shown else ""
        repo_name, path_name = item["repository"]["full_name"], item["path"]
        blocks.append(
            tool_text(
                "github_search_code", CODE_FILE, repo=repo_name, path=path_name, fragments=found
            )
        )
    return "\n".join(blocks)


def search_code_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("github_search_code", SearchCodeArgs, _search_code),
        family="external",
        kind="search",
        approval=always("auto"),
        read_only=True,
        summary="query",
    )
