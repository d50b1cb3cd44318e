"""The Semantic Scholar client: where it is, its key, paper ids, and failures as sentences.

The base URL is read at call time from ``SEMANTIC_SCHOLAR_API_URL`` (default
https://api.semanticscholar.org; the Graph API is under /graph/v1, recommendations under
/recommendations/v1). ``SEMANTIC_SCHOLAR_API_KEY``, when set, goes in the ``x-api-key``
header of requests to that origin only: a request hook adds it per hop and strips it from
a redirect to any other origin (httpx itself only drops Authorization on such redirects).
``SEMANTIC_SCHOLAR_TIMEOUT_S`` bounds each request (default 20 s).

A 429 is retried once, after Retry-After when that is at most `MAX_RETRY_WAIT_S` (one short
wait, never a loop); otherwise the model is told when to retry. httpx is imported inside
functions: this module is imported on start-up.
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.tools import ToolException

from tools.host_token import origin
from tools.result_texts import hub_scholar as texts
from tools.result_texts import tool_text
from tools.tls import verifying_context

if TYPE_CHECKING:
    import httpx

DEFAULT_SCHOLAR = "https://api.semanticscholar.org"
DEFAULT_TIMEOUT_S = 20.0
MAX_RETRY_WAIT_S = 5.0  # a longer Retry-After is passed on to the model instead of waited
NO_HEADER_WAIT_S = 1.0  # a 429 without Retry-After: one retry after this
MAX_REDIRECTS = 5
NAME = "Semantic Scholar"

_NEW_ARXIV = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?!\d)")
_OLD_ARXIV = re.compile(r"(?<![\w.])([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_PREFIXED = re.compile(r"^(DOI|CorpusId|PMID|PMCID|ACL|MAG|URL):", re.I)
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.I)
_S2_URL = re.compile(r"semanticscholar\.org/paper/(?:[^/]+/)?([0-9a-f]{40})", re.I)


def scholar_url() -> str:
    return (os.environ.get("SEMANTIC_SCHOLAR_API_URL") or DEFAULT_SCHOLAR).rstrip("/")


def scholar_key() -> str | None:
    return os.environ.get("SEMANTIC_SCHOLAR_API_KEY") or None


def timeout_s() -> float:
    try:
        value = float(os.environ.get("SEMANTIC_SCHOLAR_TIMEOUT_S") or DEFAULT_TIMEOUT_S)
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return value if value > 0 else DEFAULT_TIMEOUT_S


# --- paper ids --------------------------------------------------------------------------------


def arxiv_of(value: str) -> str | None:
    """The arXiv id `value` names (bare, versioned, `arXiv:` or an arxiv.org URL), else None."""
    text = value.strip()
    if _PREFIXED.match(text) or _DOI.match(text):
        return None
    text = re.sub(r"^arxiv:", "", text, flags=re.I)
    match = _NEW_ARXIV.search(text) or _OLD_ARXIV.search(text)
    return match.group(1) if match else None


def s2_id(value: str | None) -> str:
    """`value` as Semantic Scholar takes it: `arXiv:<id>`, `DOI:<doi>`, or as given."""
    text = (value or "").strip()
    if not text:
        raise ToolException(tool_text("hf_papers_scholar", texts.NEEDS_PAPER_ID))
    if _PREFIXED.match(text):
        return text
    if doi := _DOI.match(text):
        return f"DOI:{doi.group(1)}"
    if s2 := _S2_URL.search(text):
        return s2.group(1)
    arxiv = arxiv_of(text)
    return f"arXiv:{arxiv}" if arxiv else text


# --- requests ---------------------------------------------------------------------------------


def external_client(timeout: float, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client with no credentials of its own; redirects followed (5 at most)."""
    import httpx

    return httpx.AsyncClient(
        verify=verifying_context(),
        timeout=timeout,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        **kwargs,
    )


async def _scope_key(request: httpx.Request) -> None:
    """The API key on requests to the Semantic Scholar origin, and on no other hop."""
    key = scholar_key()
    if key and origin(str(request.url)) == origin(scholar_url()):
        request.headers["x-api-key"] = key
    else:
        request.headers.pop("x-api-key", None)


async def scholar_call(
    path: str,
    *,
    action: str,
    params: Mapping[str, Any] | None = None,
    body: Any = None,
    retry: bool = True,
    shape: type[dict[str, Any]] | type[list[Any]] = dict,
) -> Any:
    """GET (or POST `body` to) `path` on Semantic Scholar; the JSON answer, a `shape`.

    Failures (network, timeout, 4xx/5xx, a 429 still there after one short retry, an answer
    of another shape) raise a one-sentence ToolException saying what to do next.
    """
    url = scholar_url() + path
    async with external_client(timeout_s(), event_hooks={"request": [_scope_key]}) as client:
        response = await _send(client, url, action, params, body)
        wait = _retry_wait(response)
        if retry and wait is not None and wait <= MAX_RETRY_WAIT_S:
            await asyncio.sleep(wait)
            response = await _send(client, url, action, params, body)
    if response.status_code >= 400:
        raise ToolException(_failure(action, response))
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, shape):
        raise ToolException(tool_text("hf_papers_scholar", texts.UNEXPECTED, action=action))
    return answer


async def _send(
    client: httpx.AsyncClient, url: str, action: str, params: Any, body: Any
) -> httpx.Response:
    import httpx

    clean = {k: v for k, v in (params or {}).items() if v is not None}
    try:
        if body is None:
            return await client.get(url, params=clean)
        return await client.post(url, params=clean, json=body)
    except httpx.TimeoutException:
        seconds = timeout_s()
        raise ToolException(
            tool_text("hf_papers_scholar", texts.TIMED_OUT, action=action, seconds=seconds)
        ) from None
    except httpx.TooManyRedirects:
        count = MAX_REDIRECTS
        raise ToolException(
            tool_text("hf_papers_scholar", texts.TOO_MANY_REDIRECTS, action=action, count=count)
        ) from None
    except httpx.HTTPError as exc:
        host, error = origin(scholar_url())[1], type(exc).__name__
        raise ToolException(
            tool_text("hf_papers_scholar", texts.UNREACHABLE, action=action, host=host, error=error)
        ) from None


def _retry_wait(response: httpx.Response) -> float | None:
    """Seconds to wait before retrying a 429 (Retry-After, seconds or a date); None otherwise."""
    if response.status_code != 429:
        return None
    header = (response.headers.get("retry-after") or "").strip()
    if not header:
        return NO_HEADER_WAIT_S
    if header.isdigit():
        return float(header)
    try:
        when = email.utils.parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return NO_HEADER_WAIT_S
    return max(0.0, when - time.time())


def _failure(action: str, response: httpx.Response) -> str:
    status = response.status_code
    said = _server_message(response)
    detail = tool_text("hf_papers_scholar", texts.SAID, said=said) if said else ""
    if status == 429:
        wait = _retry_wait(response) if response.headers.get("retry-after") else None
        when = (
            tool_text("hf_papers_scholar", texts.IN_A_MINUTE)
            if wait is None
            else tool_text("hf_papers_scholar", texts.IN_SECONDS, seconds=max(wait, 1))
        )
        hint = "" if scholar_key() else tool_text("hf_papers_scholar", texts.KEY_RAISES_LIMIT)
        return tool_text(
            "hf_papers_scholar", texts.RATE_LIMITED, action=action, when=when, hint=hint
        )
    if status == 404:
        return tool_text("hf_papers_scholar", texts.NO_SUCH_PAPER, action=action)
    if status in (401, 403):
        fix = (
            tool_text("hf_papers_scholar", texts.CHECK_KEY)
            if scholar_key()
            else tool_text("hf_papers_scholar", texts.RETRY_LATER)
        )
        return _refused(action, status, detail, fix)
    if status >= 500:
        return tool_text("hf_papers_scholar", texts.SERVER_ERROR, action=action, status=status)
    return _refused(action, status, detail, tool_text("hf_papers_scholar", texts.FIX_ARGUMENTS))


def _refused(action: str, status: int, detail: str, fix: str) -> str:
    return tool_text(
        "hf_papers_scholar", texts.REFUSED, action=action, status=status, detail=detail, fix=fix
    )


def _server_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    said = body.get("error") or body.get("message") or ""
    return " ".join(str(said).split())[:200]
