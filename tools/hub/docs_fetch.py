"""The `hf_docs_fetch` tool: a Hugging Face documentation page as markdown, in parts.

Fetching is limited to the Hub's hosts (huggingface.co, hf.co, the configured endpoint); a
redirect to any other host is refused, so the token never leaves the Hub.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub.client import hub_endpoint, hub_get, is_hub_url
from tools.policy import always
from tools.result_texts import hub_repos as texts
from tools.result_texts import tool_text
from tools.tool_factory import make_tool

MAX_PAGE_CHARS = 15_000
_TAGS = re.compile(r"<[^>]+>")
_SCRIPTS = re.compile(r"<(script|style|nav|header|footer)\b.*?</\1>", re.S | re.I)


class DocsFetchArgs(BaseModel):
    """Fetch a Hugging Face documentation page (or any huggingface.co page) as markdown, e.g.
    https://huggingface.co/docs/trl/sft_trainer. Only Hugging Face hosts are allowed. Long pages
    come in parts: call again with the `offset` the result gives."""

    url: str = Field(description="https://huggingface.co/docs/... or a path like /docs/trl/index.")
    offset: int = Field(0, ge=0, description="Character offset to continue a long page.")


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


async def _fetch(_call: CallContext, url: str, offset: int) -> str:
    url = _absolute(url)
    if urlsplit(url).scheme not in {"http", "https"} or not is_hub_url(url):
        raise ToolException(
            tool_text("hf_docs_fetch", texts.NOT_HUB, endpoint=hub_endpoint(), url=url)
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
        raise ToolException(
            tool_text("hf_docs_fetch", texts.PAST_END, offset=offset, url=url, total=len(text))
        )
    part = text[offset : offset + MAX_PAGE_CHARS]
    end = offset + len(part)
    more = (
        tool_text("hf_docs_fetch", texts.CHARS, first=offset, last=end, total=len(text))
        if end < len(text) or offset
        else ""
    )
    return tool_text("hf_docs_fetch", texts.FETCHED, url=url, part=part, more=more)


def docs_fetch_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("hf_docs_fetch", DocsFetchArgs, _fetch),
        family="hub",
        kind="fetch",
        approval=always("auto"),
        read_only=True,
        summary="url",
    )
