"""Semantic Scholar papers as a compact markdown table: one line a paper, ids to follow up.

    | # | year | cites | id | title | TL;DR |
    |---|---|---|---|---|---|
    | 1 | 2017 | 120,345 | 1706.03762 | Attention Is All You Need (Vaswani et al., NeurIPS) | A new … |

The id column holds what `hf_papers` takes back: the arXiv id when there is one (so `read`
and the Hub operations work), else `DOI:…`, else the Semantic Scholar paper id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tools.result_texts import hub_papers, tool_text
from tools.result_texts import hub_scholar as texts
from tools.text import one_line

TITLE_CHARS = 110
TLDR_CHARS = 160
VENUE_CHARS = 40


def short_id(paper: dict[str, Any]) -> str:
    ids = paper.get("externalIds") or {}
    if ids.get("ArXiv"):
        return str(ids["ArXiv"])
    if ids.get("DOI"):
        return f"DOI:{ids['DOI']}"
    return str(paper.get("paperId") or "-")


def authors_line(authors: Iterable[Any] | None, limit: int = 1) -> str:
    """'Ada Lovelace et al.' (or up to `limit` names and how many more)."""
    names = [a.get("name", "?") if isinstance(a, dict) else str(a) for a in authors or []]
    if not names:
        return ""
    if limit == 1:
        return tool_text("hf_papers_scholar", texts.ET_AL, name=names[0]) if names[1:] else names[0]
    count = len(names) - limit
    more = tool_text("hf_papers", hub_papers.MORE_AUTHORS, count=count) if count > 0 else ""
    return ", ".join(names[:limit]) + more


def _cell(text: Any, limit: int) -> str:
    return one_line(str(text or ""), limit).replace("|", "/")


def _row(n: int, paper: dict[str, Any]) -> str:
    by = ", ".join(
        part
        for part in (authors_line(paper.get("authors")), _cell(paper.get("venue"), VENUE_CHARS))
        if part
    )
    untitled = tool_text("hf_papers_scholar", texts.UNTITLED)
    title = _cell(paper.get("title") or untitled, TITLE_CHARS)
    if by:
        title = tool_text("hf_papers_scholar", texts.BY, title=title, by=by)
    tldr = _cell((paper.get("tldr") or {}).get("text"), TLDR_CHARS) or "-"
    cites = paper.get("citationCount")
    return tool_text(
        "hf_papers_scholar",
        texts.ROW,
        n=n,
        year=paper.get("year") or "?",
        cites=f"{cites:,}" if isinstance(cites, int) else "?",
        id=short_id(paper),
        title=title,
        tldr=tldr,
    )


def paper_table(papers: list[dict[str, Any]], offset: int = 0) -> str:
    head = tool_text("hf_papers_scholar", texts.TABLE_HEAD)
    return "\n".join([head, *(_row(n, p) for n, p in enumerate(papers, start=offset + 1))])


def paging(offset: int, shown: int, more: bool) -> str:
    """The line telling the model how to get the next page (empty on the last page)."""
    return tool_text("hf_papers_scholar", texts.NEXT_PAGE, offset=offset + shown) if more else ""
