"""How hf_papers shows a Hugging Face paper page, a paper line and a paper read by sections
(tools/hub/papers.py), in the catalogue's words (tools/result_texts/hub_papers.py)."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.tools import ToolException

from tools.hub.client import hub_endpoint
from tools.result_texts import hub_papers as texts
from tools.result_texts import tool_text
from tools.text import cut

MAX_SECTION_CHARS = 12_000
MAX_INTRO_CHARS = 1_500
_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")


def _authors(paper: Any, limit: int = 8) -> str:
    names = [a.name for a in paper.authors or []]
    more = len(names) - limit
    return ", ".join(names[:limit]) + (
        tool_text("hf_papers", texts.MORE_AUTHORS, count=more) if more > 0 else ""
    )


def paper_line(paper: Any) -> str:
    """One paper of a listing: id, title, upvotes, date, then its summary."""
    date = paper.published_at.date().isoformat() if paper.published_at else "?"
    summary = cut(" ".join((paper.ai_summary or paper.summary or "").split()), 200)
    return tool_text(
        "hf_papers",
        texts.PAPER_LINE,
        id=paper.id,
        title=paper.title,
        upvotes=paper.upvotes or 0,
        date=date,
        summary=summary,
    )


def _links(paper: Any) -> list[str]:
    """The paper's code and project pages, those it has."""
    links = []
    if paper.github_repo:
        links.append(tool_text("hf_papers", texts.GITHUB, repo=paper.github_repo))
    if paper.project_page:
        links.append(tool_text("hf_papers", texts.PROJECT, url=paper.project_page))
    return links


def details_text(paper: Any) -> str:
    """A Hugging Face paper page: who, when, links, keywords, linked repos, the abstract."""
    url = f"{hub_endpoint()}/papers/{paper.id}"
    authors = _authors(paper)
    lines = [
        tool_text(
            "hf_papers", texts.DETAILS, title=paper.title, id=paper.id, url=url, authors=authors
        )
    ]
    if paper.published_at:
        date, upvotes = paper.published_at.date(), paper.upvotes or 0
        lines.append(tool_text("hf_papers", texts.PUBLISHED, date=date, upvotes=upvotes))
    if links := _links(paper):
        lines.append(" · ".join(links))
    if paper.ai_keywords:
        keywords = ", ".join(paper.ai_keywords[:12])
        lines.append(tool_text("hf_papers", texts.KEYWORDS, keywords=keywords))
    if repos := paper.linked_models:
        count, ids = paper.num_total_models or len(repos), ", ".join(r.id for r in repos[:8])
        lines.append(tool_text("hf_papers", texts.LINKED_MODELS, count=count, ids=ids))
    if repos := paper.linked_datasets:
        count, ids = paper.num_total_datasets or len(repos), ", ".join(r.id for r in repos[:8])
        lines.append(tool_text("hf_papers", texts.LINKED_DATASETS, count=count, ids=ids))
    abstract = cut(" ".join((paper.summary or "").split()), 2000)
    lines.append(tool_text("hf_papers", texts.ABSTRACT, text=abstract))
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
            raise ToolException(
                tool_text(
                    "hf_papers", texts.NO_SECTION, section=section, id=arxiv_id, titles=titles
                )
            )
        return cut(markdown[span[0] : span[1]].strip(), MAX_SECTION_CHARS)
    toc = [
        tool_text(
            "hf_papers", texts.CONTENTS_LINE, indent="  " * (lv - 1), title=title, chars=end - start
        )
        for lv, title, start, end in parts
    ]
    abstract = _find_section(parts, "abstract")
    intro = (
        markdown[abstract[0] : abstract[1]]
        if abstract
        else markdown[: parts[0][2] if parts else None]
    )
    return "\n".join(
        [
            tool_text("hf_papers", texts.CONTENTS, id=arxiv_id, chars=len(markdown)),
            *toc,
            "",
            cut(intro.strip(), MAX_INTRO_CHARS),
            "",
            tool_text("hf_papers", texts.READ_A_SECTION),
        ]
    )
