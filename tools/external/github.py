"""GitHub tools: github_search_code, github_read_file, github_list_repos (REST API).

The API base is `GITHUB_API_URL` (default https://api.github.com), read at call time so
tests point it at loopback. `GITHUB_TOKEN` is sent only to that base: redirects to another
origin are followed without it. Code search needs a token (GitHub's rule); reading files and
listing repositories work without one, with GitHub's lower anonymous rate limit.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit

from langchain_core.tools import BaseTool, ToolException
from pydantic import BaseModel, Field

DEFAULT_API = "https://api.github.com"
HTTP_TIMEOUT_S = 30.0
MAX_REDIRECTS = 3
MAX_LINE_CHARS = 2000
TEXT_MATCH = "application/vnd.github.text-match+json"
JSON = "application/vnd.github+json"
RAW = "application/vnd.github.raw"


class SearchCodeArgs(BaseModel):
    """Search code on GitHub (needs GITHUB_TOKEN). Returns matching files as `repo:path` with
    the matching fragments. `query` uses GitHub code-search syntax (words, "exact phrase",
    `symbol:`, `extension:`); repo, language and path narrow it. GitHub allows about 10 code
    searches a minute. Follow up with github_read_file to read a whole file."""

    query: str = Field(description="What to search for, e.g. 'LoraConfig target_modules'.")
    repo: str | None = Field(None, description="Only this repository, as owner/name.")
    language: str | None = Field(None, description="Only this language, e.g. python.")
    path: str | None = Field(None, description="Only under this path, e.g. examples/.")
    limit: int = Field(10, ge=1, le=50, description="How many files (max 50).")


class ReadFileArgs(BaseModel):
    """Read a file (or list a directory) from a GitHub repository, with numbered lines like
    `read`. `ref` is a branch, tag or commit (default: the default branch). Shows `limit`
    lines from line `offset` and says how to read further."""

    repo: str = Field(description="owner/name, e.g. huggingface/transformers.")
    path: str = Field(description="Path in the repository; '' or '/' lists the root.")
    ref: str | None = Field(None, description="Branch, tag or commit sha.")
    offset: int = Field(1, ge=1, description="First line to show (1-based).")
    limit: int = Field(500, ge=1, le=5000, description="How many lines to show.")


class ListReposArgs(BaseModel):
    """List GitHub repositories: those of an `owner` (user or organisation), or those
    matching a search `query` (GitHub repository-search syntax, e.g. 'lora language:python
    stars:>100'). Give exactly one of owner or query. One line per repo with stars, forks,
    language, last push and description."""

    owner: str | None = Field(None, description="A user or organisation, e.g. huggingface.")
    query: str | None = Field(None, description="Repository search query.")
    sort: Literal["stars", "forks", "updated"] = Field("stars", description="Order of results.")
    limit: int = Field(20, ge=1, le=100, description="How many repositories (max 100).")


# --- HTTP -----------------------------------------------------------------------------------


def api_base() -> str:
    return (os.environ.get("GITHUB_API_URL") or DEFAULT_API).rstrip("/")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


async def github_get(
    path: str, *, action: str, params: Mapping[str, Any] | None = None, accept: str = JSON
) -> Any:
    """GET `path` from the API; the token goes only to the API's origin. Errors are sentences."""
    import httpx

    url, token = f"{api_base()}{path}", os.environ.get("GITHUB_TOKEN")
    headers = {"Accept": accept, "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "ml-intern"}
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            auth = {"Authorization": f"Bearer {token}"} if token and _same_api(url) else {}
            try:
                response = await client.get(url, params=params, headers={**headers, **auth})
            except httpx.HTTPError as exc:
                host = urlsplit(url).netloc
                raise ToolException(
                    f"{action} failed: could not reach {host} ({type(exc).__name__}). "
                    "Check the network and GITHUB_API_URL."
                ) from None
            if not response.is_redirect:
                break
            url, params = urljoin(str(response.url), response.headers.get("location", "")), None
    if response.status_code >= 400:
        raise ToolException(failure(action, response, token is not None))
    return response.text if accept == RAW else response.json()


def _same_api(url: str) -> bool:
    return _origin(url) == _origin(api_base())


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


# --- the tools ------------------------------------------------------------------------------


async def search_code(
    query: str,
    repo: str | None = None,
    language: str | None = None,
    path: str | None = None,
    limit: int = 10,
) -> str:
    if not os.environ.get("GITHUB_TOKEN"):
        raise ToolException(
            "github_search_code needs a token: GitHub only allows code search to signed-in "
            "users. Ask the user to set GITHUB_TOKEN (a token with no scopes is enough). "
            "github_read_file and github_list_repos work without one."
        )
    qualifiers = [f"repo:{repo}" if repo else "", f"language:{language}" if language else ""]
    qualifiers.append(f"path:{path}" if path else "")
    q = " ".join([query, *filter(None, qualifiers)])
    params = {"q": q, "per_page": limit}
    data = await github_get("/search/code", action="Code search", params=params, accept=TEXT_MATCH)
    items = data.get("items") or []
    if not items:
        return f"No code matches {q!r}. Try fewer or other words, or drop a qualifier."
    blocks = [f"{data.get('total_count', len(items)):,} files match {q!r}; showing {len(items)}:"]
    for item in items[:limit]:
        where = f"{item['repository']['full_name']}:{item['path']}"
        fragments = [m.get("fragment", "") for m in item.get("text_matches") or []]
        shown = "\n".join(f"    {line}" for f in fragments for line in f.strip().splitlines())
        blocks.append(f"- {where}\n{shown}" if shown else f"- {where}")
    return "\n".join(blocks)


async def read_file(
    repo: str, path: str, ref: str | None = None, offset: int = 1, limit: int = 500
) -> str:
    where = f"/repos/{quote(repo, safe='/')}/contents/{quote(path.strip('/'))}"
    params = {"ref": ref} if ref else None
    data = await github_get(where, action=f"Reading {repo}/{path}", params=params)
    if isinstance(data, list):
        entries = sorted(data, key=lambda e: (e.get("type") != "dir", e.get("name", "")))
        lines = [f"{e['path']}{'/' if e.get('type') == 'dir' else ''}" for e in entries]
        return f"{repo}/{path.strip('/')} is a directory with {len(lines)} entries:\n" + "\n".join(
            lines
        )
    if data.get("type") != "file":
        raise ToolException(f"{repo}/{path} is a {data.get('type')}, not a file.")
    if data.get("encoding") == "base64" and data.get("content"):
        raw = base64.b64decode(data["content"])
        if b"\0" in raw[:8192]:
            return f"{repo}/{path} is a binary file ({data.get('size', len(raw)):,} bytes)."
        text = raw.decode("utf-8", errors="replace")
    else:  # over 1 MB the contents API leaves `content` empty: fetch the raw file
        text = await github_get(where, action=f"Reading {repo}/{path}", params=params, accept=RAW)
    return numbered(text, offset, limit, f"{repo}/{path}")


def numbered(text: str, offset: int, limit: int, label: str) -> str:
    lines = text.splitlines()
    shown = lines[offset - 1 : offset - 1 + limit]
    body = "\n".join(f"{offset + i:6}\t{line[:MAX_LINE_CHARS]}" for i, line in enumerate(shown))
    end = offset - 1 + len(shown)
    if end < len(lines):
        body += f"\n[{label}: lines {offset}-{end} of {len(lines)}; read on with offset={end + 1}]"
    elif not shown:
        body = f"[{label} has {len(lines)} lines; offset {offset} is past the end]"
    return body


async def list_repos(
    owner: str | None = None, query: str | None = None, sort: str = "stars", limit: int = 20
) -> str:
    if bool(owner) == bool(query):
        raise ToolException("Give exactly one of `owner` or `query` to github_list_repos.")
    if query:
        params = {"q": query, "sort": sort, "order": "desc", "per_page": limit}
        data = await github_get("/search/repositories", action="Repository search", params=params)
        repos = data.get("items") or []
    else:
        params = {"per_page": 100, "sort": "pushed"}
        path = f"/users/{quote(str(owner))}/repos"
        repos = await github_get(path, action=f"Listing {owner}'s repositories", params=params)
        key = {"stars": "stargazers_count", "forks": "forks_count", "updated": "pushed_at"}[sort]
        repos = sorted(repos, key=lambda r: r.get(key) or 0, reverse=True)
    if not repos:
        return f"No repositories found for {owner or query!r}."
    return "\n".join(_repo_line(r) for r in repos[:limit])


def _repo_line(repo: Mapping[str, Any]) -> str:
    facts = [f"★{repo.get('stargazers_count', 0):,}", f"forks {repo.get('forks_count', 0):,}"]
    if repo.get("language"):
        facts.append(str(repo["language"]))
    if repo.get("pushed_at"):
        facts.append(f"pushed {str(repo['pushed_at'])[:10]}")
    if repo.get("archived"):
        facts.append("archived")
    description = " ".join(str(repo.get("description") or "").split())[:200]
    return f"- {repo['full_name']} ({', '.join(facts)}){': ' + description if description else ''}"


def make_github_tools() -> list[BaseTool]:
    from tools.structured import structured_tool

    return [
        structured_tool("github_search_code", SearchCodeArgs, search_code),
        structured_tool("github_read_file", ReadFileArgs, read_file),
        structured_tool("github_list_repos", ListReposArgs, list_repos),
    ]
