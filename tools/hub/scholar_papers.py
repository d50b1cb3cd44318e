"""What hf_papers asks Semantic Scholar: search, citations, references, recommendations,
snippets and details, each answered as a compact table the model can scan.

Every list asks the Graph API only for the fields it shows. Where an endpoint cannot give a
TL;DR (bulk search, citations, references, recommendations), one best-effort `/paper/batch`
call fills it in for the rows shown; if that call fails the table comes without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from langchain_core.tools import ToolException

from tools.hub.scholar import NAME, s2_id, scholar_call
from tools.hub.scholar_table import authors_line, paging, paper_table, short_id
from tools.result_texts import hub_papers, tool_text
from tools.result_texts import hub_scholar as texts
from tools.text import cut

Sort = Literal["relevance", "citations", "date"]
FIELDS_OF_STUDY = (
    "Computer Science", "Medicine", "Chemistry", "Biology", "Materials Science", "Physics",
    "Geology", "Psychology", "Art", "History", "Geography", "Sociology", "Business",
    "Political Science", "Economics", "Philosophy", "Mathematics", "Engineering",
    "Environmental Science", "Agricultural and Food Sciences", "Education", "Law", "Linguistics",
)  # fmt: skip
LEAN_FIELDS = "title,year,citationCount,externalIds"  # bulk search: up to 1,000 rows a call
LIST_FIELDS = f"{LEAN_FIELDS},venue,authors"
DETAIL_FIELDS = (
    f"{LIST_FIELDS},tldr,url,abstract,influentialCitationCount,referenceCount,fieldsOfStudy,"
    "publicationDate,openAccessPdf"
)
BULK_WINDOW = 1000  # sorted search pages through its first batch only
RECOMMEND_MAX = 500
SNIPPET_MAX = 1000
MAX_SNIPPET_CHARS = 700
_SORTS = {"citations": "citationCount:desc", "date": "publicationDate:desc"}
_SORT_LABELS = {
    "citations": tool_text("hf_papers_scholar", texts.MOST_CITED_FIRST),
    "date": tool_text("hf_papers_scholar", texts.NEWEST_FIRST),
}
_SHOWN_IDS = ("ArXiv", "DOI", "CorpusId", "ACL", "PubMed")


@dataclass(frozen=True)
class Filters:
    year_from: int | None = None
    year_to: int | None = None
    min_citations: int | None = None
    fields_of_study: tuple[str, ...] = ()
    sort: Sort | None = None

    def any(self) -> bool:
        """True when the caller asked for something only Semantic Scholar can do."""
        return any(v not in (None, ()) for v in self.__dict__.values())

    def params(self) -> dict[str, Any]:
        years = None
        if self.year_from is not None or self.year_to is not None:
            low, high = self.year_from or "", self.year_to or ""
            years = str(low) if low == high else f"{low}-{high}"
        return {
            "year": years,
            "minCitationCount": self.min_citations,
            "fieldsOfStudy": ",".join(self.fields_of_study) or None,
        }

    def label(self) -> str:
        parts = [str(self.params()["year"] or "")]
        count = self.min_citations
        parts.append(
            tool_text("hf_papers_scholar", texts.MIN_CITATIONS, count=count) if count else ""
        )
        parts.append(", ".join(self.fields_of_study))
        parts.append(_SORT_LABELS.get(self.sort or "", ""))
        text = ", ".join(p for p in parts if p)
        return tool_text("hf_papers_scholar", texts.FILTERS, text=text) if text else ""


def make_filters(
    year_from: int | None = None,
    year_to: int | None = None,
    min_citations: int | None = None,
    fields_of_study: list[str] | None = None,
    sort: Sort | None = None,
) -> Filters:
    """Filters checked here, so a mistake costs no request: years in order, known fields."""
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ToolException(
            tool_text(
                "hf_papers_scholar", texts.YEARS_SWAPPED, year_from=year_from, year_to=year_to
            )
        )
    known = {name.lower(): name for name in FIELDS_OF_STUDY}
    wanted = [f.strip() for f in fields_of_study or [] if f.strip()]
    unknown = [f for f in wanted if f.lower() not in known]
    if unknown:
        fields = ", ".join(FIELDS_OF_STUDY)
        raise ToolException(
            tool_text("hf_papers_scholar", texts.UNKNOWN_FIELDS, unknown=unknown, fields=fields)
        )
    fields = tuple(known[f.lower()] for f in wanted)
    return Filters(year_from, year_to, min_citations, fields, sort)


# --- operations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    offset: int
    more: bool
    total: int | None = None


async def find(query: str, filters: Filters, offset: int, limit: int) -> Page:
    """Relevance search (`/paper/search`), or bulk search when sorted by citations or date."""
    action = f"Searching {NAME} for {query!r}"
    params = {"query": query, **filters.params()}
    if filters.sort not in _SORTS:
        params |= {"offset": offset, "limit": limit, "fields": f"{LIST_FIELDS},tldr"}
        found = await scholar_call("/graph/v1/paper/search", action=action, params=params)
        more = found.get("next") is not None
        return Page(found.get("data") or [], offset, more, _count(found.get("total")))
    if offset + limit > BULK_WINDOW:
        raise ToolException(tool_text("hf_papers_scholar", texts.SORTED_WINDOW, count=BULK_WINDOW))
    params |= {"sort": _SORTS[filters.sort or ""], "fields": LEAN_FIELDS}
    found = await scholar_call("/graph/v1/paper/search/bulk", action=action, params=params)
    batch = found.get("data") or []
    rows = await with_tldrs(batch[offset : offset + limit], "tldr,venue,authors")
    more = len(batch) > offset + limit or (bool(found.get("token")) and len(rows) == limit)
    return Page(rows, offset, more, _count(found.get("total")))


def render(page: Page, query: str, filters: Filters) -> str:
    label = filters.label()
    if not page.rows:
        bulk = filters.sort in _SORTS
        hint = tool_text("hf_papers_scholar", texts.FEWER_WORDS) if bulk else ""
        return tool_text("hf_papers_scholar", texts.NO_MATCH, query=query, filters=label, hint=hint)
    total = tool_text("hf_papers_scholar", texts.OF_TOTAL, total=page.total) if page.total else ""
    first, last = page.offset + 1, page.offset + len(page.rows)
    head = tool_text(
        "hf_papers_scholar",
        texts.SEARCH_HEAD,
        first=first,
        last=last,
        total=total,
        query=query,
        filters=label,
    )
    return _listing(head, page)


async def search(query: str, filters: Filters, offset: int, limit: int) -> str:
    return render(await find(query, filters, offset, limit), query, filters)


def _listing(head: str, page: Page) -> str:
    footer = paging(page.offset, len(page.rows), page.more)
    return "\n".join(line for line in (head, paper_table(page.rows, page.offset), footer) if line)


async def citations(paper: str | None, offset: int, limit: int, *, cited: bool = False) -> str:
    """Papers citing `paper` (or, with `cited`, the papers it cites), a page at a time."""
    pid = s2_id(paper)
    kind, key = ("references", "citedPaper") if cited else ("citations", "citingPaper")
    found = await scholar_call(
        f"/graph/v1/paper/{_path(pid)}/{kind}",
        action=f"Listing {kind} of {pid}",
        params={"offset": offset, "limit": limit, "fields": LIST_FIELDS},
    )
    rows = await with_tldrs([item.get(key) or {} for item in found.get("data") or []])
    what = (
        tool_text("hf_papers_scholar", texts.CITED_BY, id=pid)
        if cited
        else tool_text("hf_papers_scholar", texts.CITING, id=pid)
    )
    if not rows:
        if offset:
            return tool_text("hf_papers_scholar", texts.NONE_PAST, what=what, offset=offset)
        return tool_text("hf_papers_scholar", texts.NONE_LISTED, what=what)
    page = Page(rows, offset, found.get("next") is not None)
    first, last = offset + 1, offset + len(rows)
    head = tool_text("hf_papers_scholar", texts.LIST_HEAD, what=what, first=first, last=last)
    return _listing(head, page)


async def recommend(paper: str | None, offset: int, limit: int) -> str:
    """Papers like `paper`, from all of computer science (not only the last weeks' papers)."""
    pid = s2_id(paper)
    wanted = min(offset + limit, RECOMMEND_MAX)
    found = await scholar_call(
        f"/recommendations/v1/papers/forpaper/{_path(pid)}",
        action=f"Recommending papers like {pid}",
        params={"limit": wanted, "fields": LIST_FIELDS, "from": "all-cs"},
    )
    batch = found.get("recommendedPapers") or []
    rows = await with_tldrs(batch[offset : offset + limit])
    if not rows:
        if offset:
            return tool_text("hf_papers_scholar", texts.NO_RECOMMENDATIONS_PAST, id=pid)
        return tool_text("hf_papers_scholar", texts.NO_RECOMMENDATIONS, id=pid)
    page = Page(rows, offset, len(batch) >= wanted and wanted < RECOMMEND_MAX)
    first, last = offset + 1, offset + len(rows)
    head = tool_text("hf_papers_scholar", texts.LIKE_HEAD, id=pid, first=first, last=last)
    return _listing(head, page)


async def snippets(query: str, filters: Filters, offset: int, limit: int) -> str:
    """Passages from paper bodies matching `query` (about 500 words each, cut here)."""
    wanted = min(offset + limit, SNIPPET_MAX)
    found = await scholar_call(
        "/graph/v1/snippet/search",
        action=f"Searching {NAME} passages for {query!r}",
        params={"query": query, "limit": wanted, **filters.params()},
    )
    batch = found.get("data") or []
    page = batch[offset : offset + limit]
    shown = filters.label()
    if not page:
        return tool_text("hf_papers_scholar", texts.NO_PASSAGES, query=query, filters=shown)
    first, last = offset + 1, offset + len(page)
    lines = [
        tool_text(
            "hf_papers_scholar",
            texts.PASSAGES_HEAD,
            first=first,
            last=last,
            query=query,
            filters=shown,
        )
    ]
    for n, match in enumerate(page, start=offset + 1):
        snippet, source = match.get("snippet") or {}, match.get("paper") or {}
        where = snippet.get("section") or snippet.get("snippetKind") or ""
        corpus = f"CorpusId:{source['corpusId']}" if source.get("corpusId") else ""
        label = " · ".join(p for p in (source.get("title") or "?", corpus, where) if p)
        text = cut(" ".join(str(snippet.get("text") or "").split()), MAX_SNIPPET_CHARS)
        lines.append(tool_text("hf_papers_scholar", texts.PASSAGE, n=n, label=label, text=text))
    lines.append(paging(offset, len(page), len(batch) >= wanted and wanted < SNIPPET_MAX))
    return "\n".join(line for line in lines if line)


async def details(paper: str | None) -> str:
    """One paper's card: ids, authors, venue, counts, TL;DR, abstract, and what to do next."""
    pid = s2_id(paper)
    p = await scholar_call(
        f"/graph/v1/paper/{_path(pid)}",
        action=f"Getting paper {pid}",
        params={"fields": DETAIL_FIELDS},
    )
    return card_text(p)


def card_text(p: dict[str, Any]) -> str:
    """A paper's card, from its Graph API fields (DETAIL_FIELDS)."""
    ids = p.get("externalIds") or {}
    title = p.get("title") or "?"
    lines = [tool_text("hf_papers_scholar", texts.CARD, title=title, id=short_id(p))]
    lines.append(p.get("url") or "")
    authors = authors_line(p.get("authors"), 8)
    lines.append(tool_text("hf_papers_scholar", texts.AUTHORS, authors=authors))
    when = p.get("publicationDate") or p.get("year") or "?"
    lines.append(" · ".join(str(x) for x in (when, p.get("venue"), _counts(p)) if x))
    shown = [
        tool_text("hf_papers_scholar", texts.ID, name=k, value=v)
        for k, v in ids.items()
        if k in _SHOWN_IDS
    ]
    s2 = tool_text("hf_papers_scholar", texts.S2_ID, id=p.get("paperId"))
    lines.append(tool_text("hf_papers_scholar", texts.IDS, ids=" · ".join([*shown, s2])))
    if p.get("fieldsOfStudy"):
        fields = ", ".join(p["fieldsOfStudy"])
        lines.append(tool_text("hf_papers_scholar", texts.FIELDS, fields=fields))
    if pdf := (p.get("openAccessPdf") or {}).get("url"):
        lines.append(tool_text("hf_papers_scholar", texts.PDF, url=pdf))
    if tldr := (p.get("tldr") or {}).get("text"):
        lines.append(tool_text("hf_papers_scholar", texts.TLDR, text=tldr))
    if abstract := " ".join((p.get("abstract") or "").split()):
        lines.append(tool_text("hf_papers", hub_papers.ABSTRACT, text=cut(abstract, 2000)))
    read = tool_text("hf_papers_scholar", texts.READ_SECTIONS) if ids.get("ArXiv") else ""
    lines.append(tool_text("hf_papers_scholar", texts.NEXT, read=read))
    return "\n".join(line for line in lines if line)


async def with_tldrs(rows: list[dict[str, Any]], fields: str = "tldr") -> list[dict[str, Any]]:
    """`rows` with `fields` filled in by one `/paper/batch` call; unchanged if it fails."""
    ids = [row["paperId"] for row in rows if row.get("paperId")]
    if not ids:
        return rows
    try:
        found = await scholar_call(
            "/graph/v1/paper/batch",
            action="Getting TL;DRs",
            params={"fields": fields},
            body={"ids": ids},
            retry=False,
            shape=list,
        )
    except ToolException:
        return rows
    extra = {p["paperId"]: p for p in found or [] if isinstance(p, dict) and p.get("paperId")}
    filled = []
    for row in rows:
        more = extra.get(row.get("paperId") or "", {})
        filled.append({**row, **{k: v for k, v in more.items() if row.get(k) is None}})
    return filled


def _counts(p: dict[str, Any]) -> str:
    """'1,234 citations (56 influential) · 78 references'."""
    counts = tool_text("hf_papers_scholar", texts.CITATIONS, count=p.get("citationCount") or 0)
    if p.get("influentialCitationCount"):
        influential = p["influentialCitationCount"]
        counts += tool_text("hf_papers_scholar", texts.INFLUENTIAL, count=influential)
    if p.get("referenceCount"):
        counts += tool_text("hf_papers_scholar", texts.REFERENCES, count=p["referenceCount"])
    return counts


def _count(total: Any) -> int | None:
    """The API's `total` (a number, or a string in bulk search) as an int, if it is one."""
    try:
        return int(total)
    except (TypeError, ValueError):
        return None


def _path(paper_id: str) -> str:
    return quote(paper_id, safe=":/")
