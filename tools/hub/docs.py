"""hf_docs_search and hf_docs_fetch: the Hugging Face documentation, as markdown.

Fetching is limited to the Hub's hosts (huggingface.co, hf.co, the configured endpoint); a
redirect to any other host is refused, so the token never leaves the Hub.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field

from tools.hub.client import HfCall, cut, hub_endpoint, hub_get, is_hub_url, make_tool

MAX_PAGE_CHARS = 15_000
MAX_EXCERPT_CHARS = 300
MAX_SEARCH_CHARS = 8_000
_TAGS = re.compile(r"<[^>]+>")
_SCRIPTS = re.compile(r"<(script|style|nav|header|footer)\b.*?</\1>", re.S | re.I)


class DocsSearchArgs(BaseModel):
    """Search the Hugging Face documentation (transformers, datasets, trl, peft, accelerate,
    hub, huggingface_hub, diffusers, ...) for how-tos and API details. Returns excerpts grouped
    by page with their URLs; read a whole page with hf_docs_fetch."""

    query: str = Field(min_length=2, max_length=250, description="What you want to know.")
    product: str | None = Field(
        None, description="Limit to one library, e.g. 'trl', 'transformers', 'hub', 'datasets'."
    )
    limit: int = Field(10, ge=1, le=30, description="How many excerpts.")


class DocsFetchArgs(BaseModel):
    """Fetch a Hugging Face documentation page (or any huggingface.co page) as markdown, e.g.
    https://huggingface.co/docs/trl/sft_trainer. Only Hugging Face hosts are allowed. Long pages
    come in parts: call again with the `offset` the result gives."""

    url: str = Field(description="https://huggingface.co/docs/... or a path like /docs/trl/index.")
    offset: int = Field(0, ge=0, description="Character offset to continue a long page.")


def _clean(text: str) -> str:
    text = _TAGS.sub("", text)
    return " ".join(html.unescape(text).split())


async def _search(call: HfCall, query: str, product: str | None, limit: int) -> str:
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


def _absolute(url: str) -> str:
    url = url.strip()
    if url.startswith("/"):
        return hub_endpoint() + url
    if not urlsplit(url).scheme and url.split("/")[0] in {"huggingface.co", "hf.co"}:
        return "https://" + url
    return url


def _is_markdown(response: Any) -> bool:
    kind = response.headers.get("content-type", "")
    return "markdown" in kind or "text/plain" in kind


def html_to_text(page: str) -> str:
    """A rough text rendering of an HTML page, for hosts that do not serve markdown."""
    page = _SCRIPTS.sub("", page)
    page = re.sub(r"<h([1-4])[^>]*>", lambda m: "\n" + "#" * int(m.group(1)) + " ", page)
    page = re.sub(r"<(br|/p|/li|/h[1-4]|/pre|/div)[^>]*>", "\n", page)
    page = re.sub(r"<li[^>]*>", "- ", page)
    text = html.unescape(_TAGS.sub("", page))
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


async def _fetch(call: HfCall, url: str, offset: int) -> str:
    url = _absolute(url)
    if urlsplit(url).scheme not in {"http", "https"} or not is_hub_url(url):
        raise ToolException(
            f"hf_docs_fetch only fetches Hugging Face pages (huggingface.co, hf.co or "
            f"{hub_endpoint()}); {url} is not one. Use the docs search or another tool."
        )
    accept = {"Accept": "text/markdown, text/plain;q=0.9, text/html;q=0.5"}
    response = await hub_get(url, action=f"Fetching {url}", headers=accept, offsite=False)
    text = response.text
    if not _is_markdown(response):
        base = url.split("#")[0].split("?")[0]
        if not base.endswith(".md"):
            try:
                md = await hub_get(base + ".md", action=f"Fetching {base}.md", offsite=False)
                text = md.text if _is_markdown(md) else html_to_text(text)
            except ToolException:
                text = html_to_text(text)
        else:
            text = html_to_text(text)
    if offset >= len(text) and text:
        raise ToolException(f"offset {offset} is past the end of {url} ({len(text):,} chars).")
    part = text[offset : offset + MAX_PAGE_CHARS]
    end = offset + len(part)
    more = (
        f"\n[chars {offset:,}-{end:,} of {len(text):,}; call again with offset={end} to continue]"
        if end < len(text) or offset
        else ""
    )
    return f"{url}\n\n{part}{more}"


def make_docs_tools() -> list[BaseTool]:
    return [
        make_tool("hf_docs_search", DocsSearchArgs, _search),
        make_tool("hf_docs_fetch", DocsFetchArgs, _fetch),
    ]
