"""GitHub's REST API for the github_* tools: the base URL, the token, errors as sentences.

The API base is `GITHUB_API_URL` (default https://api.github.com), read at call time so
tests point it at loopback. `GITHUB_TOKEN` is sent only to that base (`HostToken`): redirects
to another origin are followed without it. Code search needs a token (GitHub's rule); reading files and
listing repositories work without one, with GitHub's lower anonymous rate limit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from langchain_core.tools import ToolException

from tools.host_token import HostToken, origin
from tools.result_texts import tool_text
from tools.result_texts.github import (
    ANSWERED,
    CHECK_TOKEN,
    NOT_ACCEPTED,
    NOT_FOUND,
    RATE_LIMIT,
    REJECTED,
    RESETS_AT,
    SAID,
    SET_TOKEN,
    TOO_MANY_REDIRECTS,
    UNREACHABLE,
    WAIT_A_MINUTE,
)
from tools.tls import verifying_context

DEFAULT_API = "https://api.github.com"
HTTP_TIMEOUT_S = 30.0
MAX_REDIRECTS = 3
MAX_LINE_CHARS = 2000
TEXT_MATCH = "application/vnd.github.text-match+json"
JSON = "application/vnd.github+json"
RAW = "application/vnd.github.raw"


# --- HTTP -----------------------------------------------------------------------------------


def api_base() -> str:
    return (os.environ.get("GITHUB_API_URL") or DEFAULT_API).rstrip("/")


def github_token() -> HostToken:
    """httpx auth sending GITHUB_TOKEN to the API's origin only (redirects elsewhere drop it)."""
    return HostToken(
        lambda: os.environ.get("GITHUB_TOKEN"), lambda url: origin(url) == origin(api_base())
    )


async def github_get(
    path: str, *, action: str, params: Mapping[str, Any] | None = None, accept: str = JSON
) -> Any:
    """GET `path` from the API; the token goes only to the API's origin. Errors are sentences."""
    import httpx

    headers = {"Accept": accept, "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "ml-intern"}
    client = httpx.AsyncClient(
        timeout=HTTP_TIMEOUT_S,
        auth=github_token(),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        verify=verifying_context(),
    )
    url = f"{api_base()}{path}"
    async with client:
        try:
            response = await client.get(url, params=params, headers=headers)
        except httpx.TooManyRedirects:
            too_many = tool_text("github", TOO_MANY_REDIRECTS, action=action, count=MAX_REDIRECTS)
            raise ToolException(too_many) from None
        except httpx.HTTPError as exc:
            host, error = urlsplit(url).netloc, type(exc).__name__
            raise ToolException(
                tool_text("github", UNREACHABLE, action=action, host=host, error=error)
            ) from None
    if response.status_code >= 400:
        raise ToolException(failure(action, response, bool(os.environ.get("GITHUB_TOKEN"))))
    return response.text if accept == RAW else response.json()


def failure(action: str, response: Any, has_token: bool) -> str:
    """One sentence: what failed, why, and what to do (rate limits say when they reset)."""
    status, headers = response.status_code, response.headers
    try:
        said = str(response.json().get("message") or "")
    except Exception:
        said = ""
    limited = headers.get("x-ratelimit-remaining") == "0" or "rate limit" in said.lower()
    if status in (403, 429) and (limited or "retry-after" in headers):
        hint = _reset_hint(headers, has_token)
        return tool_text("github", RATE_LIMIT, action=action, hint=hint)
    if status == 401:
        fix = tool_text("github", CHECK_TOKEN) if has_token else ""
        return tool_text("github", NOT_ACCEPTED, action=action, fix=fix).strip()
    if status == 404:
        return tool_text("github", NOT_FOUND, action=action)
    if status == 422:
        return tool_text("github", REJECTED, action=action, said=said)
    detail = tool_text("github", SAID, said=said) if said else ""
    return tool_text("github", ANSWERED, action=action, status=status, detail=detail)


def _reset_hint(headers: Mapping[str, str], has_token: bool) -> str:
    wait: float | None = None
    if headers.get("retry-after", "").isdigit():
        wait = float(headers["retry-after"])
    elif headers.get("x-ratelimit-reset", "").isdigit():
        wait = max(0.0, float(headers["x-ratelimit-reset"]) - time.time())
    token = "" if has_token else tool_text("github", SET_TOKEN)
    if wait is None:
        return tool_text("github", WAIT_A_MINUTE, token=token)
    at = time.strftime("%H:%M:%S UTC", time.gmtime(time.time() + wait))
    return tool_text("github", RESETS_AT, at=at, seconds=wait, token=token)
