"""The `web_search` tool: a numbered list of web results from the configured provider.

The provider is `web.search_provider` (DuckDuckGo by default, no key). The domain lists are
applied to every result; a single allowed domain is also put in the query (`site:`) so the
provider spends its results there, and Tavily receives both lists as its own filters.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from configs.research_settings import SearchProvider, WebSettings
from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.external.web_guard import domain_refusal, normal_domain
from tools.policy import always
from tools.result_texts import tool_text
from tools.result_texts.web import (
    DUCKDUCKGO_LIMITS,
    LEFT_OUT,
    NO_QUERY,
    NO_RESULTS,
    NO_TITLE,
    RESULT,
    RESULT_LINE,
    RESULTS,
    SEARCH_SLOW,
)
from tools.tool_factory import make_tool

if TYPE_CHECKING:
    from tools.external.web_providers import Hit

MAX_RESULTS = 20


class WebSearchArgs(BaseModel):
    """Search the web; get a numbered list of results (title, URL, one-line snippet). Open a
    result with web_fetch. Quotes for exact phrases, -word and site:example.com narrow the
    search. For models, datasets and papers on Hugging Face prefer the hf_* tools."""

    query: str = Field(description="What to look for, as you would type it into a search engine.")
    max_results: int = Field(8, ge=1, le=MAX_RESULTS, description="How many results to list.")


async def search_web(query: str, max_results: int, settings: WebSettings) -> str:
    """Ask the provider, keep the allowed results, list them."""
    from tools.external.web_providers import NAMES, search

    query = " ".join(query.split())
    if not query:
        raise ToolException(tool_text("web_search", NO_QUERY))
    provider = settings.search_provider
    filtered = bool(settings.allow_domains or settings.deny_domains)
    asked = min(MAX_RESULTS, max_results * 2) if filtered else max_results
    try:
        async with asyncio.timeout(settings.timeout_s + 1):
            hits = await search(provider, scoped(query, provider, settings), asked, settings)
    except TimeoutError:
        seconds = settings.timeout_s
        raise ToolException(
            tool_text("web_search", SEARCH_SLOW, name=NAMES[provider], seconds=seconds)
        ) from None
    kept = [h for h in hits if allowed(h.url, settings)]
    return listing(query, NAMES[provider], kept[:max_results], len(hits) - len(kept), provider)


def scoped(query: str, provider: SearchProvider, settings: WebSettings) -> str:
    """The query, with `site:` added when exactly one domain is allowed (Tavily filters itself)."""
    domains = [d for d in map(normal_domain, settings.allow_domains) if d]
    if provider == "tavily" or len(domains) != 1 or "site:" in query.lower():
        return query
    return f"{query} site:{domains[0]}"


def allowed(url: str, settings: WebSettings) -> bool:
    """An http(s) result on a domain the lists accept."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return domain_refusal(parts.hostname, settings) is None


def listing(query: str, name: str, hits: list[Hit], dropped: int, provider: str) -> str:
    """The compact numbered list the model reads."""
    left_out = tool_text("web_search", LEFT_OUT, count=dropped) if dropped else ""
    if not hits:
        hint = tool_text("web_search", DUCKDUCKGO_LIMITS) if provider == "duckduckgo" else ""
        return tool_text(
            "web_search", NO_RESULTS, name=name, query=query, left_out=left_out, hint=hint
        )
    lines = [tool_text("web_search", RESULTS, name=name, query=query)]
    for number, found in enumerate(hits, start=1):
        title = found.title or tool_text("web_search", NO_TITLE)
        lines.append(tool_text("web_search", RESULT, number=number, title=title))
        lines.append(tool_text("web_search", RESULT_LINE, text=found.url))
        if found.snippet:
            lines.append(tool_text("web_search", RESULT_LINE, text=found.snippet))
    if left_out:
        lines.append(left_out.strip())
    return "\n".join(lines)


def web_search_spec(settings: WebSettings) -> ToolSpec:
    async def handler(_call: CallContext, query: str, max_results: int = 8) -> str:
        return await search_web(query, max_results, settings)

    return ToolSpec(
        tool=make_tool("web_search", WebSearchArgs, handler),
        family="external",
        kind="search",
        approval=always("auto"),
        read_only=True,
        summary="query",
    )
