"""The `github_list_repos` tool: an owner's repositories, or a repository search."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.external.github import github_get
from tools.policy import always
from tools.result_texts import tool_text
from tools.result_texts.github import (
    ARCHIVED,
    DESCRIPTION,
    EXACTLY_ONE,
    FORKS,
    LISTING_REPOS,
    NO_REPOS,
    PUSHED,
    REPO,
    REPO_SEARCH,
    STARS,
)
from tools.tool_factory import make_tool


class ListReposArgs(BaseModel):
    """List GitHub repositories: those of an `owner` (user or organisation), or those
    matching a search `query` (GitHub repository-search syntax, e.g. 'lora language:python
    stars:>100'). Give exactly one of owner or query. One line per repo with stars, forks,
    language, last push and description."""

    owner: str | None = Field(None, description="A user or organisation, e.g. huggingface.")
    query: str | None = Field(None, description="Repository search query.")
    sort: Literal["stars", "forks", "updated"] = Field("stars", description="Order of results.")
    limit: int = Field(20, ge=1, le=100, description="How many repositories (max 100).")


async def _list_repos(
    _call: CallContext,
    owner: str | None = None,
    query: str | None = None,
    sort: str = "stars",
    limit: int = 20,
) -> str:
    if bool(owner) == bool(query):
        raise ToolException(tool_text("github_list_repos", EXACTLY_ONE))
    if query:
        params = {"q": query, "sort": sort, "order": "desc", "per_page": limit}
        data = await github_get(
            "/search/repositories", action=tool_text("github", REPO_SEARCH), params=params
        )
        repos = data.get("items") or []
    else:
        params = {"per_page": 100, "sort": "pushed"}
        path = f"/users/{quote(str(owner))}/repos"
        action = tool_text("github", LISTING_REPOS, owner=owner)
        repos = await github_get(path, action=action, params=params)
        key = {"stars": "stargazers_count", "forks": "forks_count", "updated": "pushed_at"}[sort]
        repos = sorted(repos, key=lambda r: r.get(key) or 0, reverse=True)
    if not repos:
        return tool_text("github_list_repos", NO_REPOS, what=owner or query)
    return "\n".join(_repo_line(r) for r in repos[:limit])


def _repo_line(repo: Mapping[str, Any]) -> str:
    facts = [
        tool_text("github_list_repos", STARS, count=repo.get("stargazers_count", 0)),
        tool_text("github_list_repos", FORKS, count=repo.get("forks_count", 0)),
    ]
    if repo.get("language"):
        facts.append(str(repo["language"]))
    if repo.get("pushed_at"):
        facts.append(tool_text("github_list_repos", PUSHED, date=str(repo["pushed_at"])[:10]))
    if repo.get("archived"):
        facts.append(tool_text("github_list_repos", ARCHIVED))
    description = " ".join(str(repo.get("description") or "").split())[:200]
    said = tool_text("github_list_repos", DESCRIPTION, text=description) if description else ""
    name, shown = repo["full_name"], ", ".join(facts)
    return tool_text("github_list_repos", REPO, name=name, facts=shown, description=said)


def list_repos_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("github_list_repos", ListReposArgs, _list_repos),
        family="external",
        approval=always("auto"),
        read_only=True,
        summary=lambda args: str(args.get("owner") or args.get("query") or ""),
    )
