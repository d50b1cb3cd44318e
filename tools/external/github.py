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
    )
    url = f"{api_base()}{path}"
    async with client:
        try:
            response = await client.get(url, params=params, headers=headers)
        except httpx.TooManyRedirects:
            raise ToolException(f"{action} failed: more than {MAX_REDIRECTS} redirects.") from None
        except httpx.HTTPError as exc:
            raise ToolException(
                f"{action} failed: could not reach {urlsplit(url).netloc} "
                f"({type(exc).__name__}). Check the network and GITHUB_API_URL."
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
        return f"{action} failed: GitHub's rate limit is reached. {_reset_hint(headers, has_token)}"
    if status == 401:
        fix = "Check GITHUB_TOKEN (it may be expired or revoked)." if has_token else ""
        return f"{action} failed: GitHub did not accept the credentials (401). {fix}".strip()
    if status == 404:
        return (
            f"{action} failed: not found (404). Check the owner/name, path and ref; "
            "private repositories need a GITHUB_TOKEN with access."
        )
    if status == 422:
        return f"{action} failed: GitHub rejected the query (422: {said}). Fix it and retry."
    detail = f": {said}" if said else ""
    return f"{action} failed: GitHub answered {status}{detail}."


def _reset_hint(headers: Mapping[str, str], has_token: bool) -> str:
    wait: float | None = None
    if headers.get("retry-after", "").isdigit():
        wait = float(headers["retry-after"])
    elif headers.get("x-ratelimit-reset", "").isdigit():
        wait = max(0.0, float(headers["x-ratelimit-reset"]) - time.time())
    token = "" if has_token else " Setting GITHUB_TOKEN raises the limit."
    if wait is None:
        return f"Wait a minute before retrying.{token}"
    at = time.strftime("%H:%M:%S UTC", time.gmtime(time.time() + wait))
    return f"It resets at {at} (in {wait:.0f} s): wait until then or do something else.{token}"
