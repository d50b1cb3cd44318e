"""The `hf_search` tool: models, datasets or Spaces on the Hub, one compact line each.

Every call goes to the configured endpoint through `hub_api()`; results are compact markdown
the model can act on, and failures are one sentence (see tools/hub/client.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub.client import call_hub, hub_api
from tools.policy import always
from tools.result_texts import hub_repos as texts
from tools.result_texts import tool_text
from tools.tool_factory import make_tool

RepoType = Literal["model", "dataset", "space"]
SORTS = {"downloads": "downloads", "likes": "likes", "trending": "trending_score"}
SORTS |= {"created": "created_at"}
EXPAND: dict[str, list[str]] = {
    "model": ["downloads", "likes", "pipeline_tag", "library_name", "tags", "lastModified"],
    "dataset": ["downloads", "likes", "tags", "lastModified", "description"],
    "space": ["likes", "sdk", "tags", "lastModified"],
}
MAX_FILES_SHOWN = 25


class SearchArgs(BaseModel):
    """Search the Hugging Face Hub for models, datasets or Spaces. One line per repo: id, task,
    library, downloads, likes, last update and the telling tags. `filter` takes Hub tags such as
    `text-classification`, `gguf`, `language:fr`, `license:mit` or `arxiv:2401.00001`. Follow up
    with hf_repo_details for the card and files."""

    query: str | None = Field(None, description="Words to search in repo names, e.g. 'llama 3b'.")
    repo_type: RepoType = Field("model", description="model, dataset or space.")
    author: str | None = Field(None, description="Only repos of this user or org, e.g. 'google'.")
    filter: list[str] | None = Field(None, description="Tags every result must have.")
    sort: Literal["downloads", "likes", "trending", "created"] = Field(
        "downloads", description="Order of results (Spaces have no downloads: likes is used)."
    )
    limit: int = Field(10, ge=1, le=50, description="How many results (max 50).")

    @field_validator("filter", mode="before")
    @classmethod
    def _one_tag(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


# --- shared formatting ----------------------------------------------------------------------


def short_date(value: Any) -> str:
    return value.date().isoformat() if hasattr(value, "date") else str(value or "?")[:10]


def short_count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "?"


def telling_tags(tags: Iterable[str] | None, limit: int = 8) -> str:
    skip = ("region:", "endpoints_compatible", "autotrain_compatible", "text-generation-inference")
    kept = [t for t in tags or [] if not t.startswith(skip)]
    more = (
        tool_text("hf_search", texts.MORE_TAGS, count=len(kept) - limit)
        if len(kept) > limit
        else ""
    )
    return ", ".join(kept[:limit]) + more


def _search_line(info: Any, repo_type: str) -> str:
    bits = [info.id]
    if repo_type == "model":
        bits += [
            getattr(info, "pipeline_tag", None) or "",
            getattr(info, "library_name", None) or "",
        ]
    if repo_type == "space":
        bits.append(tool_text("hf_search", texts.SDK, sdk=getattr(info, "sdk", None) or "?"))
    if repo_type != "space":
        downloads = short_count(getattr(info, "downloads", None))
        bits.append(tool_text("hf_search", texts.DOWNLOADS, count=downloads))
    bits += [tool_text("hf_search", texts.LIKES, count=short_count(getattr(info, "likes", None)))]
    modified = getattr(info, "last_modified", None) or getattr(info, "created_at", None)
    if modified:
        bits.append(tool_text("hf_search", texts.UPDATED, date=short_date(modified)))
    if tags := telling_tags(getattr(info, "tags", None)):
        bits.append(tool_text("hf_search", texts.TAGS, tags=tags))
    return tool_text("hf_search", texts.SEARCH_LINE, facts=" · ".join(b for b in bits if b))


# --- hf_search ------------------------------------------------------------------------------


async def _search(
    _call: CallContext,
    query: str | None,
    repo_type: str,
    author: str | None,
    filter: list[str] | None,
    sort: str,
    limit: int,
) -> str:
    api = hub_api()
    lister = {"model": api.list_models, "dataset": api.list_datasets, "space": api.list_spaces}
    order = "likes" if repo_type == "space" and sort == "downloads" else sort
    kwargs: dict[str, Any] = {
        "search": query or None,
        "author": author,
        "filter": filter or None,
        "sort": SORTS[order],
        "limit": limit,
        "expand": EXPAND[repo_type],
    }
    found = await call_hub(f"Searching {repo_type}s", lambda: list(lister[repo_type](**kwargs)))
    asked = (("query", query), ("author", author), ("filter", filter))
    what = " ".join(f"{k}={v!r}" for k, v in asked if v)
    if not found:
        what = what or tool_text("hf_search", texts.ANY_ARGUMENTS)
        return tool_text("hf_search", texts.NO_REPOS, kind=repo_type, what=what)
    what = what or tool_text("hf_search", texts.ALL)
    head = tool_text(
        "hf_search", texts.REPOS, count=len(found), kind=repo_type, what=what, order=order
    )
    return "\n".join([head, *(_search_line(info, repo_type) for info in found)])


def search_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("hf_search", SearchArgs, _search),
        family="hub",
        kind="search",
        approval=always("auto"),
        read_only=True,
        summary="query",
    )
