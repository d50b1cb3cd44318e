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
_SORT_LABELS = {"citations": "most cited first", "date": "newest first"}
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
        parts.append(f"≥{self.min_citations:,} citations" if self.min_citations else "")
        parts.append(", ".join(self.fields_of_study))
        parts.append(_SORT_LABELS.get(self.sort or "", ""))
        text = ", ".join(p for p in parts if p)
        return f" ({text})" if text else ""


def make_filters(
    year_from: int | None = None,
    year_to: int | None = None,
    min_citations: int | None = None,
    fields_of_study: list[str] | None = None,
    sort: Sort | None = None,
) -> Filters:
    """Filters checked here, so a mistake costs no request: years in order, known fields."""
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ToolException(f"year_from ({year_from}) is after year_to ({year_to}): swap them.")
    known = {name.lower(): name for name in FIELDS_OF_STUDY}
    wanted = [f.strip() for f in fields_of_study or [] if f.strip()]
    unknown = [f for f in wanted if f.lower() not in known]
    if unknown:
        raise ToolException(
            f"Unknown fields_of_study {unknown}. Use any of: {', '.join(FIELDS_OF_STUDY)}."
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
        raise ToolException(
            f"Sorted search shows the first {BULK_WINDOW:,} results only: narrow the query or "
            "the filters instead of paging further."
        )
    params |= {"sort": _SORTS[filters.sort or ""], "fields": LEAN_FIELDS}
    found = await scholar_call("/graph/v1/paper/search/bulk", action=action, params=params)
    batch = found.get("data") or []
    rows = await with_tldrs(batch[offset : offset + limit], "tldr,venue,authors")
    more = len(batch) > offset + limit or (bool(found.get("token")) and len(rows) == limit)
    return Page(rows, offset, more, _count(found.get("total")))


def render(page: Page, query: str, filters: Filters) -> str:
    if not page.rows:
        bulk = filters.sort in _SORTS
        hint = " Sorted search needs every word to match: use fewer words." if bulk else ""
        return f"No papers on {NAME} match {query!r}{filters.label()}.{hint} Loosen the filters."
    total = f" of ~{page.total:,}" if page.total else ""
    span = f"{page.offset + 1}–{page.offset + len(page.rows)}{total}"
    return _listing(f"{NAME}: papers {span} for {query!r}{filters.label()}", page)


async def search(query: str, filters: Filters, offset: int, limit: int) -> str:
    return render(await find(query, filters, offset, limit), query, filters)


def _listing(head: str, page: Page) -> str:
    footer = paging(page.offset, len(page.rows), page.more)
    return "\n".join(
        line for line in (f"{head}:", paper_table(page.rows, page.offset), footer) if line
    )


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
    what = f"papers cited by {pid}" if cited else f"papers citing {pid}"
    if not rows:
        return f"No {what} on {NAME}" + (f" after offset {offset}." if offset else ".")
    page = Page(rows, offset, found.get("next") is not None)
    return _listing(f"{NAME}: {what}, {offset + 1}–{offset + len(rows)}", page)


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
        return f"{NAME} has no recommendations like {pid}" + (" at this offset." if offset else ".")
    page = Page(rows, offset, len(batch) >= wanted and wanted < RECOMMEND_MAX)
    return _listing(f"{NAME}: papers like {pid}, {offset + 1}–{offset + len(rows)}", page)


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
    if not page:
        return f"No passages on {NAME} match {query!r}{filters.label()}. Try other words."
    lines = [f"{NAME}: passages {offset + 1}–{offset + len(page)} for {query!r}{filters.label()}:"]
    for n, match in enumerate(page, start=offset + 1):
        snippet, source = match.get("snippet") or {}, match.get("paper") or {}
        where = snippet.get("section") or snippet.get("snippetKind") or ""
        corpus = f"CorpusId:{source['corpusId']}" if source.get("corpusId") else ""
        label = " · ".join(p for p in (source.get("title") or "?", corpus, where) if p)
        text = cut(" ".join(str(snippet.get("text") or "").split()), MAX_SNIPPET_CHARS)
        lines += [f"{n}. {label}", f"   {text}"]
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
    ids = p.get("externalIds") or {}
    lines = [f"# {p.get('title') or '?'} ({short_id(p)})", p.get("url") or ""]
    lines.append(f"authors: {authors_line(p.get('authors'), 8)}")
    counts = f"{p.get('citationCount') or 0:,} citations"
    if p.get("influentialCitationCount"):
        counts += f" ({p['influentialCitationCount']:,} influential)"
    if p.get("referenceCount"):
        counts += f" · {p['referenceCount']:,} references"
    when = p.get("publicationDate") or p.get("year") or "?"
    lines.append(" · ".join(str(x) for x in (when, p.get("venue"), counts) if x))
    shown = [f"{k} {v}" for k, v in ids.items() if k in _SHOWN_IDS]
    lines.append("ids: " + " · ".join([*shown, f"S2 {p.get('paperId')}"]))
    if p.get("fieldsOfStudy"):
        lines.append(f"fields: {', '.join(p['fieldsOfStudy'])}")
    if pdf := (p.get("openAccessPdf") or {}).get("url"):
        lines.append(f"pdf: {pdf}")
    if tldr := (p.get("tldr") or {}).get("text"):
        lines.append(f"TL;DR: {tldr}")
    if abstract := " ".join((p.get("abstract") or "").split()):
        lines.append(f"abstract: {cut(abstract, 2000)}")
    read = " · operation='read' for its sections" if ids.get("ArXiv") else ""
    lines.append(f"Next: operation='citations' / 'references' / 'recommend' with this id{read}.")
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


def _count(total: Any) -> int | None:
    """The API's `total` (a number, or a string in bulk search) as an int, if it is one."""
    try:
        return int(total)
    except (TypeError, ValueError):
        return None


def _path(paper_id: str) -> str:
    return quote(paper_id, safe=":/")
