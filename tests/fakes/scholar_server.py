"""A local Semantic Scholar API and arXiv HTML host for tests (standard library only).

    with FakeScholar() as s2:
        monkeypatch.setenv("SEMANTIC_SCHOLAR_API_URL", s2.url)
        monkeypatch.setenv("ARXIV_URL", s2.url)
        ...
        assert s2.sent_to("/paper/search")[-1].query["year"] == ["2020-2023"]

Graph API (/graph/v1): paper search (relevance: any word, offset/limit/next; bulk: every word,
`sort`, no `limit`), paper details, citations and references ({data: [{citingPaper}], next}),
POST /paper/batch, snippet search; recommendations (/recommendations/v1/papers/forpaper/{id}).
Ids: 40-hex paperId, `arXiv:`, `DOI:`, `CorpusId:`. Like the real API, only /paper/search,
/paper/{id} and /paper/batch know `tldr`; elsewhere asking for it is a 400. Errors are
`{"error": ...}`. `/html/{id}` serves LaTeXML pages (one Latin-1). Every request is recorded;
`fail(...)`, `delay` and `redirects` script trouble. With `key` set, a wrong x-api-key is a 403.
"""

from __future__ import annotations

import re
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from cli.server_address import free_port
from tests.fakes.hub_http import Handler, Request, Response, reply
from tests.fakes.loopback import serve, stop, url_of


def _paper(n: int, title: str, year: int, cites: int, **extra: Any) -> dict[str, Any]:
    arxiv, doi = extra.pop("arxiv", None), extra.pop("doi", None)
    ids = {k: v for k, v in {"ArXiv": arxiv, "DOI": doi, "CorpusId": 100 + n}.items() if v}
    return {
        "paperId": f"{n:x}" * 40,
        "title": title,
        "year": year,
        "publicationDate": f"{year}-0{n % 9 + 1}-15",
        "citationCount": cites,
        "externalIds": ids,
        "venue": extra.pop("venue", "arXiv.org"),
        "authors": [{"authorId": str(i), "name": a} for i, a in enumerate(extra.pop("authors"))],
        "tldr": {"model": "tldr@v2.0.0", "text": extra.pop("tldr")},
        "fieldsOfStudy": extra.pop("fields", ["Computer Science"]),
        "url": f"https://www.semanticscholar.org/paper/{f'{n:x}' * 40}",
        **extra,
    }


PAPERS = [
    _paper(1, "Tiny BERT for Everyone", 2024, 120, arxiv="2401.00001", venue="ACL",
           authors=["Ada Lovelace", "Alan Turing"], tldr="A tiny BERT that runs anywhere.",
           abstract="We train a tiny BERT that runs anywhere.", influentialCitationCount=7),
    _paper(2, "Distilling Attention", 2023, 45, arxiv="2310.01234", venue="NeurIPS",
           authors=["Grace Hopper"], tldr="Attention maps distil well."),
    _paper(3, "Protein Folding with Transformers", 2021, 900, doi="10.1234/fold.2021",
           venue="Nature", authors=["Rosalind Franklin", "Ada Lovelace", "Marie Curie"],
           tldr="Transformers fold proteins.", fields=["Biology", "Computer Science"]),
    _paper(4, "A Survey of Attention", 2019, 3000, arxiv="1901.00004",
           authors=["Claude Shannon"], tldr="Attention, surveyed."),
    _paper(5, "Quantum Widgets", 2022, 3, authors=["Niels Bohr"], tldr="Widgets, quantised.",
           fields=["Physics"]),
    _paper(6, "BERT on a Watch", 2025, 2, arxiv="2502.00006", authors=["Hedy Lamarr"],
           tldr="Tiny BERT | on a watch."),
    _paper(7, "Small Models, Big Wins", 2025, 1, authors=["Katherine Johnson"],
           tldr="Small models win."),
]  # fmt: skip
EDGES = [(6, 1), (7, 1), (3, 1), (1, 2), (1, 4), (2, 4)]  # (citing, cited)
SNIPPETS = [
    ("Tiny BERT for Everyone", 101, "3 Method", "We warm the learning rate up over 500 steps."),
    ("Distilling Attention", 102, "4 Experiments", "A constant learning rate works as well."),
    ("A Survey of Attention", 104, "", "Attention is a soft lookup."),
]
_LATEX = """<!DOCTYPE html><html lang="en"><head><title>{title}</title>{meta}</head><body>
<header class="ltx_page_header">Report issue | Back to arXiv</header>
<article class="ltx_document"><h1 class="ltx_title ltx_title_document">{title}</h1>
<div class="ltx_authors"><span class="ltx_personname">Ada Lovelace</span></div>
<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6>
<p class="ltx_p">{abstract}</p></div>
<section id="S1" class="ltx_section"><h2 class="ltx_title ltx_title_section">
<span class="ltx_tag ltx_tag_section">1 </span>Introduction</h2>
<div class="ltx_para"><p class="ltx_p">{intro} <cite class="ltx_cite">[<a class="ltx_ref"
href="#bib.bib1">1</a>]</cite>.</p></div></section>
<section id="S2" class="ltx_section"><h2 class="ltx_title ltx_title_section">
<span class="ltx_tag ltx_tag_section">2 </span>Method</h2>
<div class="ltx_para"><p class="ltx_p">We minimise <math alttext="\\mathcal{{L}}=x_i^2"
display="inline"><mi>L</mi></math> with care.</p></div>
<section id="S2.SS1" class="ltx_subsection"><h3 class="ltx_title ltx_title_subsection">
<span class="ltx_tag ltx_tag_subsection">2.1 </span>Training Data</h3>
<div class="ltx_para"><p class="ltx_p">{data}</p></div></section></section>
<section id="bib" class="ltx_bibliography"><h2 class="ltx_title ltx_title_bibliography">
References</h2><ul class="ltx_biblist"><li class="ltx_bibitem">[1] A. Turing. 1950.</li></ul>
</section></article><footer class="ltx_page_footer">Generated by LaTeXML</footer></body></html>"""
PAGES = {
    "/html/2401.00002v1": (
        _LATEX.format(
            title="Tiny Vision for Everyone", meta='<meta charset="utf-8">',
            abstract="We shrink ViT — to 1 MB.", intro="Vision is big.",
            data="We use acme/imagenet-mini.",
        ).encode(),
        "text/html; charset=utf-8",
    ),
    "/html/2401.00003": (
        _LATEX.format(
            title="Schrödinger Nets", meta='<meta charset="iso-8859-1">',
            abstract="Café-grade models.", intro="Über alles.", data="Données propres.",
        ).encode("latin-1"),
        "text/html",
    ),
}  # fmt: skip


def _error(status: int, message: str) -> Response:
    return reply({"error": message}, status)


class FakeScholar:
    """State of the fake; the shared HTTP handler calls `handle(request)`."""

    def __init__(self, key: str | None = None) -> None:
        self.key = key
        self.requests: list[Request] = []
        self.redirects: dict[str, str] = {"/html/2401.00002": "/html/2401.00002v1"}
        self.delay: tuple[str, float] | None = None  # (path regex, seconds)
        self._failures: list[tuple[re.Pattern[str], Response, list[int]]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    def fail(self, path: str, status: int, times: int = 1, **headers: str) -> None:
        """The next `times` requests whose path matches the regex `path` get this error."""
        response = _error(status, f"fake error {status}")
        response.headers.update({k.replace("_", "-"): v for k, v in headers.items()})
        self._failures.append((re.compile(path), response, [times]))

    def sent_to(self, pattern: str) -> list[Request]:
        return [r for r in self.requests if re.search(pattern, r.path)]

    @property
    def url(self) -> str:
        return url_of(self._httpd, "FakeScholar")

    def __enter__(self) -> FakeScholar:
        # `hub`: the name Handler looks up
        self._httpd = serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler), hub=self)
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self._httpd)

    def handle(self, req: Request) -> Response:
        with self._lock:
            self.requests.append(req)
            failure = next(
                (f for f in self._failures if f[2][0] > 0 and f[0].search(req.path)), None
            )
            if failure:
                failure[2][0] -= 1
        if self.delay and re.search(self.delay[0], req.path):
            time.sleep(self.delay[1])
        if failure:
            return failure[1]
        sent_key = req.headers.get("x-api-key")
        if self.key and sent_key is not None and sent_key != self.key:
            return reply({"message": "Forbidden"}, 403)
        if req.path in self.redirects:
            return Response(302, b"", "text/plain", {"Location": self.redirects[req.path]})
        if req.path in PAGES:
            body, ctype = PAGES[req.path]
            return Response(200, body, ctype)
        return self._graph(req)

    def _graph(self, req: Request) -> Response:
        path = req.path.removeprefix("/graph/v1")
        fields = [f for f in (req.arg("fields") or "").split(",") if f]
        if path in ("/paper/search", "/paper/search/bulk"):
            return self._search(req, fields, bulk=path.endswith("bulk"))
        if path == "/paper/batch" and req.method == "POST":
            found = [self._find(i) for i in req.json()["ids"]]
            return reply([_project(p, fields) if p else None for p in found])
        if path == "/snippet/search":
            return self._snippets(req)
        if m := re.fullmatch(r"/recommendations/v1/papers/forpaper/(.+)", req.path):
            if not (seed := self._find(m.group(1))):
                return _error(404, f"Paper with id {m.group(1)} not found")
            others = [p for p in PAPERS if p is not seed][: int(req.arg("limit") or 100)]
            return _listed(fields, {"recommendedPapers": others})
        if m := re.fullmatch(r"/paper/(.+?)(?:/(citations|references))?", path):
            return self._paper(req, m.group(1), m.group(2), fields)
        return _error(404, f"no route for {req.method} {req.path}")

    def _find(self, paper_id: str) -> dict[str, Any] | None:
        kind, _, value = paper_id.partition(":")
        key = {"arxiv": "ArXiv", "doi": "DOI", "corpusid": "CorpusId"}.get(kind.lower())
        for paper in PAPERS:
            if (key and str(paper["externalIds"].get(key)) == value) or paper[
                "paperId"
            ] == paper_id:
                return paper
        return None

    def _paper(self, req: Request, pid: str, rel: str | None, fields: list[str]) -> Response:
        paper = self._find(pid)
        if paper is None:
            return _error(404, f"Paper with id {pid} not found")
        if rel is None:
            return reply(_project(paper, fields))
        me = PAPERS.index(paper) + 1
        if rel == "citations":
            linked = [("citingPaper", PAPERS[a - 1]) for a, b in EDGES if b == me]
        else:
            linked = [("citedPaper", PAPERS[b - 1]) for a, b in EDGES if a == me]
        offset, limit = int(req.arg("offset") or 0), int(req.arg("limit") or 100)
        page = [{key: p} for key, p in linked[offset : offset + limit]]
        more = {"next": offset + limit} if offset + limit < len(linked) else {}
        return _listed(fields, {"offset": offset, **more, "data": page})

    def _search(self, req: Request, fields: list[str], *, bulk: bool) -> Response:
        words = (req.arg("query") or "").lower().split()
        match = all if bulk else any
        found = [
            p
            for p in PAPERS
            if match(w in (p["title"] + p.get("abstract", "")).lower() for w in words)
            and _passes(p, req)
        ]
        if not bulk:
            offset, limit = int(req.arg("offset") or 0), int(req.arg("limit") or 100)
            page = found[offset : offset + limit]
            more = {"next": offset + limit} if offset + limit < len(found) else {}
            data = [_project(p, fields) for p in page]
            return reply({"total": len(found), "offset": offset, **more, "data": data})
        order = {"citationCount:desc": "citationCount", "publicationDate:desc": "publicationDate"}
        if key := order.get(req.arg("sort") or ""):
            found.sort(key=lambda p: p[key], reverse=True)
        return _listed(fields, {"total": len(found), "token": None, "data": found})

    def _snippets(self, req: Request) -> Response:
        words = (req.arg("query") or "").lower().split()
        hits = [s for s in SNIPPETS if any(w in s[3].lower() for w in words)]
        data = [
            {
                "snippet": {"text": text, "snippetKind": "body", "section": section},
                "score": 0.5,
                "paper": {"corpusId": str(corpus), "title": title, "authors": ["A. Author"]},
            }
            for title, corpus, section, text in hits[: int(req.arg("limit") or 10)]
        ]
        return reply({"data": data, "retrievalVersion": "fake"})


def _passes(paper: dict[str, Any], req: Request) -> bool:
    low, dash, high = (req.arg("year") or "-").partition("-")
    first, last = int(low or 0), int(high or 9999) if dash else int(low)
    fields = [f for f in (req.arg("fieldsOfStudy") or "").split(",") if f]
    return (
        first <= paper["year"] <= last
        and paper["citationCount"] >= int(req.arg("minCitationCount") or 0)
        and (not fields or any(f in paper["fieldsOfStudy"] for f in fields))
    )


def _project(paper: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {"paperId": paper["paperId"], **{f: paper.get(f) for f in fields or ["title"]}}


def _listed(fields: list[str], body: dict[str, Any]) -> Response:
    """A list answer whose papers carry `fields`; like the real API, `tldr` is refused here."""
    if "tldr" in fields:
        return _error(400, "Unrecognized or unsupported fields: [tldr]")
    for name in ("data", "recommendedPapers"):
        if name in body:
            body[name] = [_project_item(item, fields) for item in body[name]]
    return reply(body)


def _project_item(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """A paper, or a citation `{citingPaper: paper}` / reference `{citedPaper: paper}`."""
    if "paperId" in item:
        return _project(item, fields)
    return {key: _project(paper, fields) for key, paper in item.items()}


def closed_url() -> str:
    """A loopback URL nothing listens on (a provider that is down)."""
    return f"http://127.0.0.1:{free_port()}"
