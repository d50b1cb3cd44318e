"""Hub tools: hf_search and hf_repo_details (hf_repo_files and hf_repo_git have their own files).

Every call goes to the configured endpoint through `hub_api()`; results are compact markdown
the model can act on, and failures are one sentence (see tools/hf_client.py).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from typing import Any, Literal

from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field, field_validator

from tools.hub.client import (
    HfCall,
    call_hub,
    cut,
    hub_api,
    hub_get,
    human_size,
    make_tool,
    repo_url,
)

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


class DetailsArgs(BaseModel):
    """Details of 1-10 Hub repos of one type: downloads, likes, task, license, tags, last
    update, model size, a summary of the card (README) and the files with their sizes. Use it
    to choose between candidates found with hf_search."""

    repo_ids: list[str] = Field(min_length=1, max_length=10, description="e.g. ['google/gemma-2b']")
    repo_type: RepoType = Field("model", description="model, dataset or space.")

    @field_validator("repo_ids", mode="before")
    @classmethod
    def _one_repo(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


# --- shared formatting ----------------------------------------------------------------------


def _date(value: Any) -> str:
    return value.date().isoformat() if hasattr(value, "date") else str(value or "?")[:10]


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "?"


def _telling_tags(tags: Iterable[str] | None, limit: int = 8) -> str:
    skip = ("region:", "endpoints_compatible", "autotrain_compatible", "text-generation-inference")
    kept = [t for t in tags or [] if not t.startswith(skip)]
    more = f" +{len(kept) - limit}" if len(kept) > limit else ""
    return ", ".join(kept[:limit]) + more


def _search_line(info: Any, repo_type: str) -> str:
    bits = [info.id]
    if repo_type == "model":
        bits += [
            getattr(info, "pipeline_tag", None) or "",
            getattr(info, "library_name", None) or "",
        ]
    if repo_type == "space":
        bits.append(f"sdk {getattr(info, 'sdk', None) or '?'}")
    if repo_type != "space":
        bits.append(f"↓{_count(getattr(info, 'downloads', None))}")
    bits += [f"♥{_count(getattr(info, 'likes', None))}"]
    modified = getattr(info, "last_modified", None) or getattr(info, "created_at", None)
    if modified:
        bits.append(f"updated {_date(modified)}")
    if tags := _telling_tags(getattr(info, "tags", None)):
        bits.append(f"tags: {tags}")
    return "- " + " · ".join(b for b in bits if b)


# --- hf_search ------------------------------------------------------------------------------


async def _search(
    call: HfCall,
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
        return f"No {repo_type}s match {what or 'these arguments'}. Try fewer words or tags."
    head = f"{len(found)} {repo_type}s ({what or 'all'}), by {order}:"
    return "\n".join([head, *(_search_line(info, repo_type) for info in found)])


# --- hf_repo_details ------------------------------------------------------------------------


def card_summary(readme: str, limit: int = 400) -> str:
    """The first paragraph of prose in a README, after the YAML header and headings."""
    text = re.sub(r"\A---\n.*?\n---\n", "", readme, flags=re.S)
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if block and not block.startswith(("#", "<", "!", "|", "```", "---", "[!")):
            return cut(" ".join(block.split()), limit)
    return ""


async def _readme(repo_id: str, repo_type: str) -> str:
    url = f"{repo_url(repo_id, repo_type)}/resolve/main/README.md"
    try:
        response = await hub_get(url, action=f"Reading the card of {repo_id}")
    except ToolException:
        return ""
    return response.text


def _files_line(siblings: list[Any] | None) -> str:
    if not siblings:
        return "files: none listed"
    sized = sorted(siblings, key=lambda s: -(getattr(s, "size", None) or 0))
    total = sum(getattr(s, "size", None) or 0 for s in siblings)
    shown = " · ".join(
        f"{s.rfilename} {human_size(getattr(s, 'size', None))}" for s in sized[:MAX_FILES_SHOWN]
    )
    more = len(siblings) - MAX_FILES_SHOWN
    tail = f" · +{more} more (hf_repo_files list)" if more > 0 else ""
    return f"files ({len(siblings)}, {human_size(total)}): {shown}{tail}"


def _card_line(card: Any) -> str:
    data = card.to_dict() if hasattr(card, "to_dict") else dict(card or {})
    keys = ("license", "language", "base_model", "datasets", "task_categories", "size_categories")
    parts = [f"{k}: {cut(', '.join(map(str, v)) if isinstance(v, list) else v, 120)}"
             for k in keys if (v := data.get(k))]  # fmt: skip
    return "card: " + "; ".join(parts) if parts else ""


def _details_block(info: Any, repo_type: str, readme: str) -> str:
    lines = [f"## {info.id} ({repo_type})", repo_url(info.id, repo_type)]
    facts = []
    if repo_type == "model":
        facts += [f"task: {getattr(info, 'pipeline_tag', None) or '?'}"]
        facts += [f"library: {getattr(info, 'library_name', None) or '?'}"]
    if repo_type == "space":
        runtime = getattr(info, "runtime", None)
        facts += [f"sdk: {getattr(info, 'sdk', None) or '?'}"]
        facts += [f"stage: {getattr(runtime, 'stage', None) or '?'}"]
    if repo_type != "space":
        facts.append(f"↓{_count(getattr(info, 'downloads', None))} downloads")
    facts.append(f"♥{_count(getattr(info, 'likes', None))} likes")
    facts.append(f"updated {_date(getattr(info, 'last_modified', None))}")
    if getattr(info, "gated", None):
        facts.append(f"gated ({info.gated}): request access on the repo page first")
    if getattr(info, "private", None):
        facts.append("private")
    lines.append(" · ".join(facts))
    safetensors = getattr(info, "safetensors", None)
    if safetensors is not None and getattr(safetensors, "total", None):
        lines.append(f"parameters: {safetensors.total:,} (safetensors)")
    if tags := _telling_tags(getattr(info, "tags", None), limit=15):
        lines.append(f"tags: {tags}")
    if card := _card_line(getattr(info, "card_data", None)):
        lines.append(card)
    summary = card_summary(readme) or cut(getattr(info, "description", None) or "", 400)
    if summary:
        lines.append(f"summary: {summary}")
    lines.append(_files_line(getattr(info, "siblings", None)))
    return "\n".join(lines)


async def _one_repo(repo_id: str, repo_type: str) -> str:
    api = hub_api()
    getter = {"model": api.model_info, "dataset": api.dataset_info, "space": api.space_info}
    try:
        info = await call_hub(f"Getting {repo_id}", getter[repo_type], repo_id, files_metadata=True)
    except ToolException as exc:
        return f"## {repo_id} ({repo_type})\n{exc}"
    names = {s.rfilename for s in getattr(info, "siblings", None) or []}
    readme = await _readme(repo_id, repo_type) if "README.md" in names else ""
    return _details_block(info, repo_type, readme)


async def _details(call: HfCall, repo_ids: list[str], repo_type: str) -> str:
    blocks = await asyncio.gather(*(_one_repo(r, repo_type) for r in repo_ids))
    return "\n\n".join(blocks)


def make_hub_tools() -> list[BaseTool]:
    return [
        make_tool("hf_search", SearchArgs, _search),
        make_tool("hf_repo_details", DetailsArgs, _details),
    ]
