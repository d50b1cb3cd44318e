"""The `hf_docs_search` tool: the Hugging Face documentation's search, excerpts grouped by page."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub.client import hub_endpoint, hub_get
from tools.policy import always
from tools.text import cut
from tools.tool_factory import make_tool

MAX_EXCERPT_CHARS = 300
MAX_SEARCH_CHARS = 8_000
_TAGS = re.compile(r"<[^>]+>")


class DocsSearchArgs(BaseModel):
    """Search the Hugging Face documentation (transformers, datasets, trl, peft, accelerate,
    hub, huggingface_hub, diffusers, ...) for how-tos and API details. Returns excerpts grouped
    by page with their URLs; read a whole page with hf_docs_fetch. Argument names change between
    releases (e.g. TRL's `max_length`, `processing_class`): check them here before writing
    training code instead of trusting memory."""

    query: str = Field(min_length=2, max_length=250, description="What you want to know.")
    product: str | None = Field(
        None, description="Limit to one library, e.g. 'trl', 'transformers', 'hub', 'datasets'."
    )
    limit: int = Field(10, ge=1, le=30, description="How many excerpts.")


def _clean(text: str) -> str:
    text = _TAGS.sub("", text)
    return " ".join(html.unescape(text).split())


async def _search(_call: CallContext, query: str, product: str | None, limit: int) -> str:
    params: dict[str, Any] = {"q": query, "limit": limit}
    if product:
        params["product"] = product
    response = await hub_get(
        f"{hub_endpoint()}/api/docs/search", params=params, action="Searching the docs"
    )
    results = response.json()
    if not isinstance(results, list) or not results:
        where = f" in {product}" if product else ""
        return f"No documentation found for {query!r}{where}. Try other words or no product."
    pages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in results[:limit]:
        pages[str(item.get("source_page_url", "")).split("#")[0]].append(item)
    lines = [f"Docs for {query!r}{f' (product {product})' if product else ''}:"]
    for url, items in pages.items():
        first = items[0]
        title = first.get("heading1") or first.get("source_page_title") or url
        lines.append(f"## {title} ({first.get('product', '?')}) {url}")
        for item in items:
            section = f"[{item['heading2']}] " if item.get("heading2") else ""
            lines.append(f"- {section}{cut(_clean(str(item.get('text', ''))), MAX_EXCERPT_CHARS)}")
    lines.append("Read a page with hf_docs_fetch(url).")
    return cut("\n".join(lines), MAX_SEARCH_CHARS)


def docs_search_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("hf_docs_search", DocsSearchArgs, _search),
        family="hub",
        kind="search",
        approval=always("auto"),
        read_only=True,
        summary="query",
    )
