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
        return names[0] + (" et al." if len(names) > 1 else "")
    more = f" +{len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _cell(text: Any, limit: int) -> str:
    return one_line(str(text or ""), limit).replace("|", "/")


def _row(n: int, paper: dict[str, Any]) -> str:
    by = ", ".join(
        part
        for part in (authors_line(paper.get("authors")), _cell(paper.get("venue"), VENUE_CHARS))
        if part
    )
    title = _cell(paper.get("title") or "(untitled)", TITLE_CHARS) + (f" ({by})" if by else "")
    tldr = _cell((paper.get("tldr") or {}).get("text"), TLDR_CHARS) or "-"
    cites = paper.get("citationCount")
    cells = [
        str(n),
        str(paper.get("year") or "?"),
        f"{cites:,}" if isinstance(cites, int) else "?",
        short_id(paper),
        title,
        tldr,
    ]
    return "| " + " | ".join(cells) + " |"


def paper_table(papers: list[dict[str, Any]], offset: int = 0) -> str:
    head = "| # | year | cites | id | title | TL;DR |\n|---|---|---|---|---|---|"
    return "\n".join([head, *(_row(n, p) for n, p in enumerate(papers, start=offset + 1))])


def paging(offset: int, shown: int, more: bool) -> str:
    """The line telling the model how to get the next page (empty on the last page)."""
    return f"Next page: offset={offset + shown}." if more else ""
