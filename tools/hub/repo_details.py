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
from tools.result_texts import hub_details as texts
from tools.result_texts import tool_text
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
        return tool_text("hf_repo_details", texts.NO_FILES)
    sized = sorted(siblings, key=lambda s: -(getattr(s, "size", None) or 0))
    total = sum(getattr(s, "size", None) or 0 for s in siblings)
    shown = " · ".join(
        tool_text(
            "hf_repo_details",
            texts.FILE,
            name=s.rfilename,
            size=human_size(getattr(s, "size", None)),
        )
        for s in sized[:MAX_FILES_SHOWN]
    )
    more = len(siblings) - MAX_FILES_SHOWN
    tail = tool_text("hf_repo_details", texts.MORE_FILES, count=more) if more > 0 else ""
    return tool_text(
        "hf_repo_details",
        texts.FILES,
        count=len(siblings),
        size=human_size(total),
        shown=shown,
        more=tail,
    )


def _card_line(card: Any) -> str:
    data = card.to_dict() if hasattr(card, "to_dict") else dict(card or {})
    keys = ("license", "language", "base_model", "datasets", "task_categories", "size_categories")
    parts = [
        tool_text(
            "hf_repo_details",
            texts.CARD_PART,
            key=k,
            value=cut(", ".join(map(str, v)) if isinstance(v, list) else v, 120),
        )
        for k in keys
        if (v := data.get(k))
    ]
    return tool_text("hf_repo_details", texts.CARD, parts="; ".join(parts)) if parts else ""


def _facts(info: Any, repo_type: str) -> list[str]:
    """A repo's facts line, in parts: what it is, how used, how recent, who may read it."""
    facts = []
    if repo_type == "model":
        facts += [
            tool_text(
                "hf_repo_details", texts.TASK, task=getattr(info, "pipeline_tag", None) or "?"
            )
        ]
        facts += [
            tool_text(
                "hf_repo_details", texts.LIBRARY, library=getattr(info, "library_name", None) or "?"
            )
        ]
    if repo_type == "space":
        runtime = getattr(info, "runtime", None)
        facts += [tool_text("hf_repo_details", texts.SDK, sdk=getattr(info, "sdk", None) or "?")]
        facts += [
            tool_text("hf_repo_details", texts.STAGE, stage=getattr(runtime, "stage", None) or "?")
        ]
    if repo_type != "space":
        downloads = short_count(getattr(info, "downloads", None))
        facts.append(tool_text("hf_repo_details", texts.DOWNLOADS, count=downloads))
    facts.append(
        tool_text("hf_repo_details", texts.LIKES, count=short_count(getattr(info, "likes", None)))
    )
    facts.append(
        tool_text(
            "hf_repo_details", texts.UPDATED, date=short_date(getattr(info, "last_modified", None))
        )
    )
    if getattr(info, "gated", None):
        facts.append(tool_text("hf_repo_details", texts.GATED, gated=info.gated))
    if getattr(info, "private", None):
        facts.append(tool_text("hf_repo_details", texts.PRIVATE))
    return facts


def _details_block(info: Any, repo_type: str, readme: str) -> str:
    heading = tool_text("hf_repo_details", texts.HEADING, id=info.id, kind=repo_type)
    lines = [heading, repo_url(info.id, repo_type), " · ".join(_facts(info, repo_type))]
    safetensors = getattr(info, "safetensors", None)
    if safetensors is not None and getattr(safetensors, "total", None):
        lines.append(tool_text("hf_repo_details", texts.PARAMETERS, count=safetensors.total))
    if tags := telling_tags(getattr(info, "tags", None), limit=15):
        lines.append(tool_text("hf_repo_details", texts.TAGS, tags=tags))
    if card := _card_line(getattr(info, "card_data", None)):
        lines.append(card)
    summary = card_summary(readme) or cut(getattr(info, "description", None) or "", 400)
    if summary:
        lines.append(tool_text("hf_repo_details", texts.SUMMARY, summary=summary))
    lines.append(_files_line(getattr(info, "siblings", None)))
    return "\n".join(lines)


async def _one_repo(repo_id: str, repo_type: str) -> str:
    api = hub_api()
    getter = {"model": api.model_info, "dataset": api.dataset_info, "space": api.space_info}
    try:
        info = await call_hub(f"Getting {repo_id}", getter[repo_type], repo_id, files_metadata=True)
    except ToolException as exc:
        heading = tool_text("hf_repo_details", texts.HEADING, id=repo_id, kind=repo_type)
        return tool_text("hf_repo_details", texts.NOT_READ, heading=heading, error=exc)
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
