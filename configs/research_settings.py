"""The typed shape of the config's `web` and `research` blocks (web tools, research budget).

Kept free of heavy imports: `ml-intern --help` loads settings.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SearchProvider = Literal["duckduckgo", "brave", "tavily", "searxng"]


class WebSettings(BaseModel):
    """How `web_search` and `web_fetch` reach the web.

    Keyed providers read their key from the environment (BRAVE_SEARCH_API_KEY,
    TAVILY_API_KEY) and their URL from BRAVE_SEARCH_API_URL, TAVILY_API_URL, SEARXNG_URL.
    """

    model_config = ConfigDict(extra="ignore", defer_build=True)

    search_provider: SearchProvider = "duckduckgo"
    # Domains (and their subdomains) searches and fetches keep to / never touch.
    allow_domains: list[str] = Field(default_factory=list)
    deny_domains: list[str] = Field(default_factory=list)
    # Loopback, private and link-local addresses are refused unless this is true (SSRF guard).
    allow_private_addresses: bool = False
    timeout_s: float = Field(20.0, gt=0)
    max_download_bytes: int = Field(5_000_000, ge=10_000)
    page_chars: int = Field(20_000, ge=1000)


class ResearchSettings(BaseModel):
    """The research sub-agent's own budget; when one runs out it reports what it has."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    max_model_calls: int = Field(40, ge=2)
    max_tokens: int = Field(600_000, ge=10_000)  # input + output over all its model calls
    max_wall_s: float = Field(900.0, gt=0)
