"""The search providers behind `web_search`, each returning `Hit`s or a sentence to act on.

DuckDuckGo goes through the `ddgs` library (no key; `WEB_SEARCH_PROXY`, else ddgs' own
DDGS_PROXY, names a proxy for it). Brave, Tavily and SearXNG are JSON APIs whose URLs come
from the environment at call time. A key is sent only in the request to its own provider's
URL, and redirects are not followed, so it cannot travel to another host.
"""

from __future__ import annotations

import asyncio
import html
import math
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from langchain_core.tools import ToolException

from configs.research_settings import SearchProvider, WebSettings
from tools.external.web_http import new_client, proxy_for, shown_proxy
from tools.result_texts import tool_text
from tools.result_texts.web import (
    AFTER_WAIT,
    AND_PROXY,
    BAD_INSTANCE,
    CHECK_FORMAT,
    CHECK_KEY,
    ELSEWHERE,
    IN_A_MINUTE,
    NO_INSTANCE,
    NO_KEY,
    NOT_JSON_OBJECT,
    NOT_SEARCHED,
    PROVIDER_SLOW,
    RATE_LIMITED,
    REDIRECTED,
    SEARCH_REFUSED,
    SEARCH_STATUS,
    SEARCHES_LIMITED,
    UNREACHABLE,
    VIA,
)
from tools.text import one_line

NAMES: dict[SearchProvider, str] = {
    "duckduckgo": "DuckDuckGo",
    "brave": "Brave Search",
    "tavily": "Tavily",
    "searxng": "SearXNG",
}
BRAVE_URL = "https://api.search.brave.com/res/v1/web/search"
TAVILY_URL = "https://api.tavily.com/search"
SNIPPET_CHARS = 240
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    snippet: str


def hit(title: Any, url: Any, snippet: Any) -> Hit:
    """A result with tags and entities gone and everything on one line."""
    clean = [one_line(html.unescape(_TAGS.sub("", str(v or ""))), 500) for v in (title, snippet)]
    return Hit(clean[0], str(url or "").strip(), one_line(clean[1], SNIPPET_CHARS))


async def search(
    provider: SearchProvider, query: str, count: int, settings: WebSettings
) -> list[Hit]:
    """Up to `count` results from `provider` for `query`."""
    if provider == "duckduckgo":
        return await asyncio.to_thread(_duckduckgo, query, count, settings)
    if provider == "brave":
        return await _brave(query, count, settings)
    if provider == "tavily":
        return await _tavily(query, count, settings)
    return await _searxng(query, count, settings)


def _duckduckgo(query: str, count: int, settings: WebSettings) -> list[Hit]:
    """ddgs' DuckDuckGo backend (synchronous: run in a thread)."""
    from ddgs import DDGS
    from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

    proxy = os.environ.get("WEB_SEARCH_PROXY") or None
    try:
        client = DDGS(proxy=proxy, timeout=max(1, math.ceil(settings.timeout_s)))
        rows = client.text(query, max_results=count, backend="duckduckgo")
    except RatelimitException:
        raise ToolException(tool_text("web_search", RATE_LIMITED)) from None
    except TimeoutException:
        seconds = settings.timeout_s
        slow = tool_text("web_search", PROVIDER_SLOW, name="DuckDuckGo", seconds=seconds)
        raise ToolException(slow) from None
    except DDGSException as exc:
        if "no results" in str(exc).lower():
            return []
        via = tool_text("web_search", VIA, proxy=shown_proxy(proxy)) if proxy else ""
        also = tool_text("web_search", AND_PROXY) if proxy else ""
        error = one_line(str(exc), 200)
        raise ToolException(
            tool_text("web_search", NOT_SEARCHED, via=via, error=error, proxy=also)
        ) from None
    return [hit(r.get("title"), r.get("href"), r.get("body")) for r in rows]


async def _brave(query: str, count: int, settings: WebSettings) -> list[Hit]:
    key = _key("BRAVE_SEARCH_API_KEY", "brave")
    url = _url("BRAVE_SEARCH_API_URL", BRAVE_URL, "brave")
    headers = {"Accept": "application/json", "X-Subscription-Token": key}
    params = {"q": query, "count": str(min(count, 20))}
    data = await _api("brave", "GET", url, settings, headers=headers, params=params)
    rows = _rows(data.get("web"), "results")
    return [hit(r.get("title"), r.get("url"), r.get("description")) for r in rows]


async def _tavily(query: str, count: int, settings: WebSettings) -> list[Hit]:
    key = _key("TAVILY_API_KEY", "tavily")
    url = _url("TAVILY_API_URL", TAVILY_URL, "tavily")
    body: dict[str, Any] = {"query": query, "max_results": min(count, 20)}
    if settings.allow_domains:
        body["include_domains"] = list(settings.allow_domains)
    if settings.deny_domains:
        body["exclude_domains"] = list(settings.deny_domains)
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    data = await _api("tavily", "POST", url, settings, headers=headers, json=body)
    return [hit(r.get("title"), r.get("url"), r.get("content")) for r in _rows(data, "results")]


async def _searxng(query: str, count: int, settings: WebSettings) -> list[Hit]:
    base = _url("SEARXNG_URL", None, "searxng").rstrip("/")
    url = base if base.endswith("/search") else f"{base}/search"
    params = {"q": query, "format": "json"}
    data = await _api(
        "searxng", "GET", url, settings, headers={"Accept": "application/json"}, params=params
    )
    rows = _rows(data, "results")[:count]
    return [hit(r.get("title"), r.get("url"), r.get("content")) for r in rows]


def _key(variable: str, provider: SearchProvider) -> str:
    key = os.environ.get(variable, "").strip()
    if not key:
        raise ToolException(tool_text("web_search", NO_KEY, provider=provider, variable=variable))
    return key


def _url(variable: str, default: str | None, provider: SearchProvider) -> str:
    url = os.environ.get(variable, "").strip() or default
    if not url:
        raise ToolException(
            tool_text("web_search", NO_INSTANCE, provider=provider, variable=variable)
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ToolException(tool_text("web_search", BAD_INSTANCE, variable=variable, url=url))
    return url


def _rows(data: Any, key: str) -> list[dict[str, Any]]:
    rows = data.get(key) if isinstance(data, dict) else None
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


async def _api(
    provider: SearchProvider, method: str, url: str, settings: WebSettings, **request: Any
) -> dict[str, Any]:
    """One request to a provider's JSON API; every failure becomes a sentence."""
    name, host = NAMES[provider], urlsplit(url).netloc
    try:
        async with new_client(settings, proxy_for(url)) as client:
            response = await client.request(method, url, **request)
    except httpx.TimeoutException:
        seconds = settings.timeout_s
        raise ToolException(
            tool_text("web_search", PROVIDER_SLOW, name=name, seconds=seconds)
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        error = type(exc).__name__
        raise ToolException(
            tool_text("web_search", UNREACHABLE, name=name, host=host, error=error)
        ) from None
    _refusal(provider, response)
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ToolException(tool_text("web_search", NOT_JSON_OBJECT, name=name, host=host))
    return data


def _refusal(provider: SearchProvider, response: httpx.Response) -> None:
    """Raise a sentence for a redirect or an error status; nothing for a success."""
    name, status = NAMES[provider], response.status_code
    if response.is_redirect:
        where = response.headers.get("location")
        if where is None:
            where = tool_text("web_search", ELSEWHERE)
        raise ToolException(tool_text("web_search", REDIRECTED, name=name, where=where))
    if status == 429:
        wait = response.headers.get("retry-after", "")
        if wait.isdigit():
            when = tool_text("web_search", AFTER_WAIT, seconds=wait)
        else:
            when = tool_text("web_search", IN_A_MINUTE)
        raise ToolException(tool_text("web_search", SEARCHES_LIMITED, name=name, when=when))
    if status in (401, 403):
        variable = {"brave": "BRAVE_SEARCH_API_KEY", "tavily": "TAVILY_API_KEY"}.get(provider)
        fix = (
            tool_text("web_search", CHECK_KEY, variable=variable)
            if variable
            else tool_text("web_search", CHECK_FORMAT)
        )
        raise ToolException(
            tool_text("web_search", SEARCH_REFUSED, name=name, status=status, fix=fix)
        )
    if status >= 400:
        reason = response.reason_phrase
        raise ToolException(
            tool_text("web_search", SEARCH_STATUS, name=name, status=status, reason=reason)
        )
