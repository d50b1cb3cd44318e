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
from tools.hub.client import call_hub, explain, hub_api, hub_endpoint
from tools.hub.scholar import arxiv_of
from tools.hub.scholar_table import paging
from tools.policy import always
from tools.text import cut
from tools.tool_factory import make_tool

MAX_SECTION_CHARS = 12_000
MAX_INTRO_CHARS = 1_500
_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?")
_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")
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
        raise ToolException("This operation needs `arxiv_id`, e.g. '2401.00001'.")
    match = _ARXIV_ID.search(value)
    return match.group(1) if match else value.strip().removeprefix("arXiv:")


def _authors(paper: Any, limit: int = 8) -> str:
    names = [a.name for a in paper.authors or []]
    return ", ".join(names[:limit]) + (f" +{len(names) - limit} more" if len(names) > limit else "")


def _paper_line(paper: Any) -> str:
    date = paper.published_at.date().isoformat() if paper.published_at else "?"
    summary = cut(" ".join((paper.ai_summary or paper.summary or "").split()), 200)
    return f"- {paper.id} · {paper.title} · ▲{paper.upvotes or 0} · {date}\n  {summary}"


def _details_text(paper: Any) -> str:
    lines = [f"# {paper.title} ({paper.id})", f"{hub_endpoint()}/papers/{paper.id}"]
    lines.append(f"authors: {_authors(paper)}")
    if paper.published_at:
        lines.append(f"published {paper.published_at.date()} · ▲{paper.upvotes or 0} upvotes")
    links = [f"github {paper.github_repo}" if paper.github_repo else ""]
    links.append(f"project {paper.project_page}" if paper.project_page else "")
    if any(links):
        lines.append(" · ".join(link for link in links if link))
    if paper.ai_keywords:
        lines.append(f"keywords: {', '.join(paper.ai_keywords[:12])}")
    for label, repos, total in (
        ("models", paper.linked_models, paper.num_total_models),
        ("datasets", paper.linked_datasets, paper.num_total_datasets),
    ):
        if repos:
            ids = ", ".join(r.id for r in repos[:8])
            lines.append(f"linked {label} ({total or len(repos)}): {ids}")
    lines.append(f"abstract: {cut(' '.join((paper.summary or '').split()), 2000)}")
    return "\n".join(lines)


def sections(markdown: str) -> list[tuple[int, str, int, int]]:
    """(level, title, start, end) of every heading outside code fences."""
    found: list[tuple[int, str, int]] = []
    offset, fenced = 0, False
    for line in markdown.splitlines(keepends=True):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(line.rstrip("\n"))):
            found.append((len(match.group(1)), match.group(2), offset))
        offset += len(line)
    result = []
    for i, (level, title, start) in enumerate(found):
        end = next((s for lv, _, s in found[i + 1 :] if lv <= level), len(markdown))
        result.append((level, title, start, end))
    return result


def _find_section(parts: list[tuple[int, str, int, int]], wanted: str) -> tuple[int, int] | None:
    key = wanted.strip().lower().rstrip(".")
    numbered = re.compile(rf"^{re.escape(key)}(\.|\s|$)")
    for matcher in (
        lambda t: numbered.match(t) is not None,
        lambda t: t == key,
        lambda t: key in t,
    ):
        for _, title, start, end in parts:
            if matcher(title.lower()):
                return start, end
    return None


def read_text(arxiv_id: str, markdown: str, section: str | None) -> str:
    parts = sections(markdown)
    if section:
        span = _find_section(parts, section)
        if span is None:
            titles = "; ".join(title for _, title, _, _ in parts[:40])
            raise ToolException(f"No section {section!r} in {arxiv_id}. Sections: {titles}.")
        return cut(markdown[span[0] : span[1]].strip(), MAX_SECTION_CHARS)
    toc = [f"{'  ' * (lv - 1)}- {title} ({end - start:,} chars)" for lv, title, start, end in parts]
    abstract = _find_section(parts, "abstract")
    intro = (
        markdown[abstract[0] : abstract[1]]
        if abstract
        else markdown[: parts[0][2] if parts else None]
    )
    return "\n".join(
        [
            f"# {arxiv_id}: table of contents ({len(markdown):,} chars in all)",
            *toc,
            "",
            cut(intro.strip(), MAX_INTRO_CHARS),
            "",
            "Read one section with operation='read', section='<number or title>'.",
        ]
    )


async def _papers(call: CallContext, **args: Any) -> str:
    request = PapersArgs.model_construct(**args)  # validated by the tool already
    return await _OPERATIONS[request.operation](request)


def _query(r: PapersArgs) -> str:
    if not (r.query or "").strip():
        raise ToolException(f"{r.operation} needs `query`: the words to look for.")
    return (r.query or "").strip()


def _filters(r: PapersArgs) -> s2.Filters:
    return s2.make_filters(r.year_from, r.year_to, r.min_citations, r.fields_of_study, r.sort)


def _hub_page(found: list[Any], r: PapersArgs, head: str) -> str:
    """One page of a Hub list (the Hub has no offset: fetch offset+limit, show the tail)."""
    page = found[r.offset :]
    more = len(found) >= r.offset + r.limit
    start = f" (from #{r.offset + 1})" if r.offset else ""
    lines = [f"{len(page)} {head}{start}:", *map(_paper_line, page)]
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
        return await _search_scholar_instead(r, query, "Hugging Face search failed", failed)
    if not found[r.offset :]:
        why = f"No papers on Hugging Face match {query!r}"
        return await _search_scholar_instead(r, query, why)
    return _hub_page(found, r, f"papers for {query!r}")


async def _search_scholar_instead(
    r: PapersArgs, query: str, why: str, hub_error: Exception | None = None
) -> str:
    """The Hub found nothing (or failed): the same search on Semantic Scholar, saying so."""
    try:
        page = await s2.find(query, s2.Filters(), r.offset, r.limit)
    except ToolException as failed:
        said = f" ({hub_error})" if hub_error else ""
        raise ToolException(f"{why}{said}; Semantic Scholar failed too: {failed}") from None
    if not page.rows:
        return f"No papers match {query!r} on Hugging Face or Semantic Scholar. Try other words."
    return f"{why}; from Semantic Scholar instead:\n{s2.render(page, query, s2.Filters())}"


async def _daily(r: PapersArgs) -> str:
    found = await call_hub(
        "Listing daily papers",
        lambda: list(hub_api().list_daily_papers(date=r.date, limit=r.offset + r.limit)),
    )
    if not found[r.offset :]:
        return f"No daily papers for {r.date or 'today'}."
    return _hub_page(found, r, f"daily papers {r.date or '(latest)'}")


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
        return f"(No Hugging Face page for {arxiv}; from Semantic Scholar.)\n{card}"
    return _details_text(paper)


async def _read(r: PapersArgs) -> str:
    arxiv = arxiv_of(r.arxiv_id or "")
    if arxiv is None:
        raise ToolException(
            "read needs `arxiv_id`: an arXiv id like '2401.00001' (operation='details' shows "
            "whether a paper has one)."
        )
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
        return f"No {kind} on the Hub cite arXiv {paper_id}."
    lines = [f"- {repo.id} · ↓{repo.downloads or 0:,} · ♥{repo.likes or 0}" for repo in repos]
    more = paging(r.offset, len(repos), len(found) >= wanted)
    return "\n".join([f"{len(repos)} {kind} citing arXiv {paper_id}:", *lines, more]).strip()


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
