"""hf_papers: find, read and follow up on papers through the Hub's paper pages."""

from __future__ import annotations

import re
from typing import Any, Literal

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub.client import call_hub, hub_api, hub_endpoint
from tools.policy import always
from tools.text import cut
from tools.tool_factory import make_tool

MAX_SECTION_CHARS = 12_000
MAX_INTRO_CHARS = 1_500
_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?")
_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")


class PapersArgs(BaseModel):
    """Research papers on Hugging Face (arXiv papers with Hub pages). search: papers matching
    `query`. details: title, authors, summary, links and linked repos of `arxiv_id`. daily: the
    daily papers (of `date`, YYYY-MM-DD, default latest). read: the paper's table of contents
    and abstract, or one `section` (by number like '3.2' or by title words), capped.
    find_models / find_datasets: Hub repos that cite `arxiv_id`."""

    operation: Literal["search", "details", "daily", "read", "find_models", "find_datasets"]
    query: str | None = Field(None, description="search: what to look for.")
    arxiv_id: str | None = Field(None, description="e.g. '2401.00001' or an arxiv.org URL.")
    section: str | None = Field(None, description="read: section number or title words.")
    date: str | None = Field(None, description="daily: YYYY-MM-DD.", pattern=r"^\d{4}-\d{2}-\d{2}$")
    limit: int = Field(10, ge=1, le=50, description="How many results (max 50).")


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


async def _papers(
    call: CallContext,
    operation: str,
    query: str | None,
    arxiv_id: str | None,
    section: str | None,
    date: str | None,
    limit: int,
) -> str:
    api = hub_api()
    if operation == "search":
        if not query:
            raise ToolException("search needs `query`.")
        found = await call_hub(
            "Searching papers", lambda: list(api.list_papers(query=query, limit=limit))
        )
        if not found:
            return f"No papers match {query!r}. Try other words."
        return "\n".join([f"{len(found)} papers for {query!r}:", *map(_paper_line, found[:limit])])
    if operation == "daily":
        found = await call_hub(
            "Listing daily papers", lambda: list(api.list_daily_papers(date=date, limit=limit))
        )
        if not found:
            return f"No daily papers for {date or 'today'}."
        head = f"Daily papers {date or '(latest)'}:"
        return "\n".join([head, *map(_paper_line, found[:limit])])
    paper_id = arxiv_id_of(arxiv_id)
    if operation == "details":
        return _details_text(await call_hub(f"Getting paper {paper_id}", api.paper_info, paper_id))
    if operation == "read":
        markdown = await call_hub(f"Reading paper {paper_id}", api.read_paper, paper_id)
        return read_text(paper_id, markdown, section)
    kind = "models" if operation == "find_models" else "datasets"
    lister = api.list_models if kind == "models" else api.list_datasets
    repos = await call_hub(
        f"Finding {kind} citing {paper_id}",
        lambda: list(lister(filter=f"arxiv:{paper_id}", sort="downloads", limit=limit)),
    )
    if not repos:
        return f"No {kind} on the Hub cite arXiv {paper_id}."
    lines = [f"- {r.id} · ↓{r.downloads or 0:,} · ♥{r.likes or 0}" for r in repos]
    return "\n".join([f"{len(repos)} {kind} citing arXiv {paper_id}:", *lines])


def papers_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("hf_papers", PapersArgs, _papers),
        family="hub",
        approval=always("auto"),
        read_only=True,
        summary=lambda args: " ".join(
            str(args[k]) for k in ("operation", "query", "arxiv_id") if args.get(k)
        ),
    )
