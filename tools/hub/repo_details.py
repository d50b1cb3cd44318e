"""The `hf_repo_details` tool: card summary, facts and files of 1-10 Hub repos of one type."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field, field_validator

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub.client import call_hub, hub_api, hub_get, human_size, repo_url
from tools.hub.search import RepoType, short_count, short_date, telling_tags
from tools.policy import always
from tools.text import cut
from tools.tool_factory import make_tool

MAX_FILES_SHOWN = 25


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
        facts.append(f"↓{short_count(getattr(info, 'downloads', None))} downloads")
    facts.append(f"♥{short_count(getattr(info, 'likes', None))} likes")
    facts.append(f"updated {short_date(getattr(info, 'last_modified', None))}")
    if getattr(info, "gated", None):
        facts.append(f"gated ({info.gated}): request access on the repo page first")
    if getattr(info, "private", None):
        facts.append("private")
    lines.append(" · ".join(facts))
    safetensors = getattr(info, "safetensors", None)
    if safetensors is not None and getattr(safetensors, "total", None):
        lines.append(f"parameters: {safetensors.total:,} (safetensors)")
    if tags := telling_tags(getattr(info, "tags", None), limit=15):
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


async def _details(_call: CallContext, repo_ids: list[str], repo_type: str) -> str:
    blocks = await asyncio.gather(*(_one_repo(r, repo_type) for r in repo_ids))
    return "\n\n".join(blocks)


def repo_details_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("hf_repo_details", DetailsArgs, _details),
        family="hub",
        approval=always("auto"),
        read_only=True,
        summary=lambda args: ", ".join(map(str, args.get("repo_ids") or [])),
    )
