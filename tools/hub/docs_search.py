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
from tools.result_texts import hub_repos as texts
from tools.result_texts import tool_text
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
        where = tool_text("hf_docs_search", texts.IN_PRODUCT, product=product) if product else ""
        return tool_text("hf_docs_search", texts.NO_DOCS, query=query, where=where)
    pages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in results[:limit]:
        pages[str(item.get("source_page_url", "")).split("#")[0]].append(item)
    of = tool_text("hf_docs_search", texts.OF_PRODUCT, product=product) if product else ""
    lines = [tool_text("hf_docs_search", texts.DOCS, query=query, product=of)]
    for url, items in pages.items():
        first = items[0]
        title = first.get("heading1") or first.get("source_page_title") or url
        product_of = first.get("product", "?")
        lines.append(
            tool_text("hf_docs_search", texts.PAGE, title=title, product=product_of, url=url)
        )
        for item in items:
            heading = item.get("heading2")
            section = tool_text("hf_docs_search", texts.SECTION, heading=heading) if heading else ""
            text = cut(_clean(str(item.get("text", ""))), MAX_EXCERPT_CHARS)
            lines.append(tool_text("hf_docs_search", texts.EXCERPT, section=section, text=text))
    lines.append(tool_text("hf_docs_search", texts.READ_A_PAGE))
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
