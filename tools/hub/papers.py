"""hf_papers: find, read and follow up on papers through the Hub and Semantic Scholar.

Hugging Face serves the paper pages (details, daily papers, markdown to read, repos citing a
paper); Semantic Scholar (tools/hub/scholar*.py) serves what the Hub cannot: citation counts,
filters, citations and references, recommendations and passage search.

Search routing: a plain `search` goes to the Hub first, because it is fast, not rate-limited,
centred on recent ML and its ids lead straight to `read` and `find_models`; when the Hub finds
nothing (or fails) the same query goes to Semantic Scholar. Any filter (years, minimum
citations, fields of study) or any `sort` sends the search to Semantic Scholar directly: only
it can honour them, and a model that asks for them wants its answer. Unauthenticated
Semantic Scholar traffic is throttled (429), so it is used when it adds something, not always.

`details` takes any id: arXiv ids go to the Hub (Semantic Scholar when the Hub has no page),
DOIs and Semantic Scholar ids to Semantic Scholar. `read` takes the Hub's markdown, else the
paper's arXiv HTML (tools/hub/arxiv_html.py), split into the same sections.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field, field_validator

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub import scholar_papers as s2
from tools.hub.arxiv_html import arxiv_markdown
from tools.hub.client import call_hub, explain, hub_api
from tools.hub.papers_text import details_text, paper_line, read_text
from tools.hub.scholar import arxiv_of
from tools.hub.scholar_table import paging
from tools.policy import always
from tools.result_texts import hub_papers as texts
from tools.result_texts import tool_text
from tools.tool_factory import make_tool

_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?")
Operation = Literal[
    "search",
    "details",
    "daily",
    "read",
    "find_models",
    "find_datasets",
    "citations",
    "references",
    "recommend",
    "snippets",
]


class PapersArgs(BaseModel):
    """Research papers. search: papers matching `query` on Hugging Face (recent ML); any
    filter or `sort` searches Semantic Scholar instead (all fields, citation counts).
    details: title, authors, summary, links and linked repos of `arxiv_id`. daily: the daily
    papers (of `date`, YYYY-MM-DD, default latest). read: the paper's table of contents and
    abstract, or one `section` (by number like '3.2' or by title words), capped.
    find_models / find_datasets: Hub repos that cite `arxiv_id`. citations / references:
    papers citing / cited by `arxiv_id`. recommend: papers like `arxiv_id`. snippets:
    passages from paper texts matching `query`. Lists page with `offset`."""

    operation: Operation
    query: str | None = Field(None, description="search / snippets: what to look for.")
    arxiv_id: str | None = Field(
        None, description="e.g. '2401.00001' or an arxiv.org URL; also 'DOI:...' or an S2 id."
    )
    section: str | None = Field(None, description="read: section number or title words.")
    date: str | None = Field(None, description="daily: YYYY-MM-DD.", pattern=r"^\d{4}-\d{2}-\d{2}$")
    limit: int = Field(10, ge=1, le=50, description="How many results (max 50).")
    offset: int = Field(0, ge=0, le=9_999, description="Results to skip (next page).")
    year_from: int | None = Field(None, description="First publication year.")
    year_to: int | None = Field(None, description="Last publication year.")
    min_citations: int | None = Field(None, ge=0, description="At least this many citations.")
    fields_of_study: list[str] | None = Field(None, description="e.g. ['Computer Science'].")
    sort: Literal["relevance", "citations", "date"] | None = Field(
        None, description="search order: citations/date = most cited/newest first."
    )

    @field_validator("fields_of_study", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return value.split(",") if isinstance(value, str) else value


def arxiv_id_of(value: str | None) -> str:
    if not value or not value.strip():
        raise ToolException(tool_text("hf_papers", texts.NEEDS_ARXIV_ID))
    match = _ARXIV_ID.search(value)
    return match.group(1) if match else value.strip().removeprefix("arXiv:")


async def _papers(call: CallContext, **args: Any) -> str:
    request = PapersArgs.model_construct(**args)  # validated by the tool already
    return await _OPERATIONS[request.operation](request)


def _query(r: PapersArgs) -> str:
    if not (r.query or "").strip():
        raise ToolException(tool_text("hf_papers", texts.NEEDS_QUERY, operation=r.operation))
    return (r.query or "").strip()


def _filters(r: PapersArgs) -> s2.Filters:
    return s2.make_filters(r.year_from, r.year_to, r.min_citations, r.fields_of_study, r.sort)


def _hub_page(found: list[Any], r: PapersArgs, head: str) -> str:
    """One page of a Hub list (the Hub has no offset: fetch offset+limit, show the tail)."""
    page = found[r.offset :]
    more = len(found) >= r.offset + r.limit
    start = tool_text("hf_papers", texts.FROM, first=r.offset + 1) if r.offset else ""
    lines = [tool_text("hf_papers", texts.PAGE, count=len(page), what=head, start=start)]
    lines += map(paper_line, page)
    return "\n".join([*lines, paging(r.offset, len(page), more)]).strip()


async def _search(r: PapersArgs) -> str:
    query, filters = _query(r), _filters(r)
    if filters.any():
        return await s2.search(query, filters, r.offset, r.limit)
    try:
        found = await call_hub(
            "Searching papers",
            lambda: list(hub_api().list_papers(query=query, limit=r.offset + r.limit)),
        )
    except ToolException as failed:
        why = tool_text("hf_papers", texts.HUB_FAILED)
        return await _search_scholar_instead(r, query, why, failed)
    if not found[r.offset :]:
        why = tool_text("hf_papers", texts.NONE_ON_HUB, query=query)
        return await _search_scholar_instead(r, query, why)
    return _hub_page(found, r, tool_text("hf_papers", texts.PAPERS_FOR, query=query))


async def _search_scholar_instead(
    r: PapersArgs, query: str, why: str, hub_error: Exception | None = None
) -> str:
    """The Hub found nothing (or failed): the same search on Semantic Scholar, saying so."""
    try:
        page = await s2.find(query, s2.Filters(), r.offset, r.limit)
    except ToolException as failed:
        said = tool_text("hf_papers", texts.HUB_ERROR, error=hub_error) if hub_error else ""
        raise ToolException(
            tool_text("hf_papers", texts.BOTH_FAILED, why=why, said=said, error=failed)
        ) from None
    if not page.rows:
        return tool_text("hf_papers", texts.NOWHERE, query=query)
    shown = s2.render(page, query, s2.Filters())
    return tool_text("hf_papers", texts.SCHOLAR_INSTEAD, why=why, page=shown)


async def _daily(r: PapersArgs) -> str:
    found = await call_hub(
        "Listing daily papers",
        lambda: list(hub_api().list_daily_papers(date=r.date, limit=r.offset + r.limit)),
    )
    if not found[r.offset :]:
        if r.date:
            return tool_text("hf_papers", texts.NO_DAILY, date=r.date)
        return tool_text("hf_papers", texts.NO_DAILY_TODAY)
    if r.date:
        return _hub_page(found, r, tool_text("hf_papers", texts.DAILY, date=r.date))
    return _hub_page(found, r, tool_text("hf_papers", texts.DAILY_LATEST))


async def _from_hub(action: str, fn: Callable[..., Any], *args: Any) -> Any:
    """The Hub's answer, or None when it has no such paper (404); other failures raise."""
    from huggingface_hub.errors import HfHubHTTPError

    try:
        return await asyncio.to_thread(fn, *args)
    except HfHubHTTPError as exc:
        if exc.response is not None and exc.response.status_code == 404:
            return None
        raise explain(exc, action) from exc
    except Exception as exc:
        raise explain(exc, action) from exc


async def _details(r: PapersArgs) -> str:
    arxiv = arxiv_of(r.arxiv_id or "")
    if arxiv is None:  # a DOI, a Semantic Scholar id, or nothing (s2_id says what is needed)
        return await s2.details(r.arxiv_id)
    paper = await _from_hub(f"Getting paper {arxiv}", hub_api().paper_info, arxiv)
    if paper is None:
        card = await s2.details(arxiv)
        return tool_text("hf_papers", texts.NO_HUB_PAGE, id=arxiv, card=card)
    return details_text(paper)


async def _read(r: PapersArgs) -> str:
    arxiv = arxiv_of(r.arxiv_id or "")
    if arxiv is None:
        raise ToolException(tool_text("hf_papers", texts.READ_NEEDS_ID))
    markdown = await _from_hub(f"Reading paper {arxiv}", hub_api().read_paper, arxiv)
    if markdown is None:
        markdown = await arxiv_markdown(arxiv)
    return read_text(arxiv, markdown, r.section)


async def _citing_repos(r: PapersArgs) -> str:
    paper_id = arxiv_id_of(r.arxiv_id)
    kind = "models" if r.operation == "find_models" else "datasets"
    api = hub_api()
    lister = api.list_models if kind == "models" else api.list_datasets
    wanted = r.offset + r.limit
    found = await call_hub(
        f"Finding {kind} citing {paper_id}",
        lambda: list(lister(filter=f"arxiv:{paper_id}", sort="downloads", limit=wanted)),
    )
    repos = found[r.offset :]
    if not repos:
        return tool_text("hf_papers", texts.NO_CITING, kind=kind, id=paper_id)
    lines = [
        tool_text(
            "hf_papers",
            texts.CITING_LINE,
            id=repo.id,
            downloads=repo.downloads or 0,
            likes=repo.likes or 0,
        )
        for repo in repos
    ]
    more = paging(r.offset, len(repos), len(found) >= wanted)
    head = tool_text("hf_papers", texts.CITING, count=len(repos), kind=kind, id=paper_id)
    return "\n".join([head, *lines, more]).strip()


async def _citations(r: PapersArgs) -> str:
    cited = r.operation == "references"
    return await s2.citations(r.arxiv_id, r.offset, r.limit, cited=cited)


async def _recommend(r: PapersArgs) -> str:
    return await s2.recommend(r.arxiv_id, r.offset, r.limit)


async def _snippets(r: PapersArgs) -> str:
    return await s2.snippets(_query(r), _filters(r), r.offset, r.limit)


_OPERATIONS: dict[str, Callable[[PapersArgs], Awaitable[str]]] = {
    "search": _search,
    "details": _details,
    "daily": _daily,
    "read": _read,
    "find_models": _citing_repos,
    "find_datasets": _citing_repos,
    "citations": _citations,
    "references": _citations,
    "recommend": _recommend,
    "snippets": _snippets,
}


def papers_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("hf_papers", PapersArgs, _papers),
        family="hub",
        kind="search",
        approval=always("auto"),
        read_only=True,
        summary=lambda args: " ".join(
            str(args[k]) for k in ("operation", "query", "arxiv_id") if args.get(k)
        ),
    )
