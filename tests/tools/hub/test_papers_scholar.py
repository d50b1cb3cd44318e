"""hf_papers' Semantic Scholar and arXiv HTML side, against local servers: what the model sees."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator

import pytest

from tests.fakes.hub_server import FakeHub, hub_env, invoke
from tests.fakes.scholar_server import FakeScholar, closed_url
from tools.hub.arxiv_html import html_to_markdown
from tools.hub.papers import papers_spec
from tools.hub.scholar import arxiv_of, s2_id

PAPERS = papers_spec().tool
KEY = "s2-secret-key-1234"
ATTENTION_ROW = (
    "| 1 | 2023 | 45 | 2310.01234 | Distilling Attention (Grace Hopper, NeurIPS) "
    "| Attention maps distil well. |"
)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with hub_env(monkeypatch) as hub:
        yield hub


@pytest.fixture
def s2(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeScholar]:
    """Semantic Scholar and arXiv on one local server; no key, the default timeout."""
    with FakeScholar() as s2:
        monkeypatch.setenv("SEMANTIC_SCHOLAR_API_URL", s2.url)
        monkeypatch.setenv("ARXIV_URL", s2.url)
        monkeypatch.delenv("SEMANTIC_SCHOLAR_API_KEY", raising=False)
        monkeypatch.delenv("SEMANTIC_SCHOLAR_TIMEOUT_S", raising=False)
        yield s2


async def test_filtered_search_goes_to_semantic_scholar_page_by_page(
    hub: FakeHub, s2: FakeScholar
) -> None:
    args = dict(operation="search", query="attention", year_from=2019, year_to=2023, limit=1)
    first = await invoke(PAPERS, **args, min_citations=10, fields_of_study=["computer science"])
    assert first.content.splitlines() == [
        "Semantic Scholar: papers 1–1 of ~2 for 'attention' (2019-2023, ≥10 citations, "
        "Computer Science):",
        "| # | year | cites | id | title | TL;DR |",
        "|---|---|---|---|---|---|",
        ATTENTION_ROW,
        "Next page: offset=1.",
    ]
    sent = s2.sent_to("/graph/v1/paper/search$")[-1].query
    assert sent["year"] == ["2019-2023"] and sent["minCitationCount"] == ["10"]
    assert sent["fieldsOfStudy"] == ["Computer Science"]
    assert sent["offset"] == ["0"] and sent["limit"] == ["1"]
    assert sent["fields"] == ["title,year,citationCount,externalIds,venue,authors,tldr"]
    second = await invoke(PAPERS, **args, offset=1)
    assert "| 2 | 2019 | 3,000 | 1901.00004 | A Survey of Attention" in second.content
    assert "Next page" not in second.content
    assert s2.sent_to("/paper/search$")[-1].query["offset"] == ["1"]
    assert hub.sent_to("/api/papers/search") == []


async def test_sorted_search_uses_bulk_search_and_fills_in_tldrs(s2: FakeScholar) -> None:
    cited = await invoke(PAPERS, operation="search", query="attention", sort="citations")
    rows = cited.content.splitlines()
    assert rows[0] == "Semantic Scholar: papers 1–2 of ~2 for 'attention' (most cited first):"
    assert rows[3].startswith("| 1 | 2019 | 3,000 | 1901.00004 | A Survey of Attention")
    assert rows[3].endswith("| Attention, surveyed. |")
    bulk = s2.sent_to("/paper/search/bulk")[-1].query
    assert bulk["sort"] == ["citationCount:desc"] and "tldr" not in bulk["fields"][0]
    batch = s2.sent_to("/paper/batch")[-1]
    assert batch.query["fields"] == ["tldr,venue,authors"] and len(batch.json()["ids"]) == 2
    newest = await invoke(PAPERS, operation="search", query="attention", sort="date")
    assert newest.content.splitlines()[3] == ATTENTION_ROW
    assert s2.sent_to("/paper/search/bulk")[-1].query["sort"] == ["publicationDate:desc"]
    wordy = await invoke(PAPERS, operation="search", query="attention in vision", sort="date")
    assert "Sorted search needs every word to match: use fewer words." in wordy.content


async def test_plain_search_uses_the_hub_and_falls_back_when_it_finds_nothing(
    hub: FakeHub, s2: FakeScholar
) -> None:
    bert = await invoke(PAPERS, operation="search", query="bert")
    assert bert.content.startswith("1 papers for 'bert':\n- 2401.00001")
    assert s2.requests == []
    widgets = await invoke(PAPERS, operation="search", query="widgets")
    assert widgets.content.startswith(
        "No papers on Hugging Face match 'widgets'; from Semantic Scholar instead:\n"
        "Semantic Scholar: papers 1–1 of ~1 for 'widgets':"
    )
    assert "| 1 | 2022 | 3 | 5555555555555555555555555555555555555555 | Quantum Widgets" in (
        widgets.content
    )
    hub.fail("/api/papers/search", 500)
    down = await invoke(PAPERS, operation="search", query="widgets")
    assert down.content.startswith("Hugging Face search failed; from Semantic Scholar instead:")
    relevance = await invoke(PAPERS, operation="search", query="bert", sort="relevance")
    assert relevance.content.startswith("Semantic Scholar: papers 1–2 of ~2 for 'bert':")


async def test_citations_and_references_page_through(s2: FakeScholar) -> None:
    page = await invoke(PAPERS, operation="citations", arxiv_id="2401.00001v2", limit=2)
    lines = page.content.splitlines()
    assert lines[0] == "Semantic Scholar: papers citing arXiv:2401.00001, 1–2:"
    assert lines[3] == (
        "| 1 | 2025 | 2 | 2502.00006 | BERT on a Watch (Hedy Lamarr, arXiv.org) "
        "| Tiny BERT / on a watch. |"
    )
    assert lines[-1] == "Next page: offset=2."
    sent = s2.sent_to("/citations$")[-1]
    assert sent.path == "/graph/v1/paper/arXiv:2401.00001/citations"
    assert sent.query["limit"] == ["2"] and "tldr" not in sent.query["fields"][0]
    last = await invoke(PAPERS, operation="citations", arxiv_id="2401.00001", offset=2, limit=2)
    assert "| 3 | 2021 | 900 | DOI:10.1234/fold.2021 | Protein Folding with Transformers" in (
        last.content
    )
    assert "(Rosalind Franklin et al., Nature) | Transformers fold proteins. |" in last.content
    assert "Next page" not in last.content
    refs = await invoke(PAPERS, operation="references", arxiv_id="https://arxiv.org/abs/2401.00001")
    assert (
        refs.content.splitlines()[0] == "Semantic Scholar: papers cited by arXiv:2401.00001, 1–2:"
    )
    assert "2310.01234 | Distilling Attention" in refs.content
    none = await invoke(PAPERS, operation="citations", arxiv_id="2401.00001", offset=9)
    assert none.content == "No papers citing arXiv:2401.00001 on Semantic Scholar after offset 9."


async def test_recommendations_from_a_seed_paper(s2: FakeScholar) -> None:
    found = await invoke(
        PAPERS, operation="recommend", arxiv_id="DOI:10.1234/fold.2021", offset=2, limit=2
    )
    lines = found.content.splitlines()
    assert lines[0] == "Semantic Scholar: papers like DOI:10.1234/fold.2021, 3–4:"
    assert lines[3].startswith("| 3 | 2019 | 3,000 | 1901.00004 | A Survey of Attention")
    assert lines[-1] == "Next page: offset=4."
    sent = s2.sent_to("/recommendations/")[-1]
    assert sent.path == "/recommendations/v1/papers/forpaper/DOI:10.1234/fold.2021"
    assert sent.query["limit"] == ["4"] and sent.query["from"] == ["all-cs"]


async def test_snippets_quote_passages_with_their_source(s2: FakeScholar) -> None:
    found = await invoke(PAPERS, operation="snippets", query="learning rate", year_from=2020)
    assert found.content.splitlines() == [
        "Semantic Scholar: passages 1–2 for 'learning rate' (2020-):",
        "1. Tiny BERT for Everyone · CorpusId:101 · 3 Method",
        "   We warm the learning rate up over 500 steps.",
        "2. Distilling Attention · CorpusId:102 · 4 Experiments",
        "   A constant learning rate works as well.",
    ]
    assert s2.sent_to("/snippet/search")[-1].query["year"] == ["2020-"]


async def test_details_from_semantic_scholar_for_dois_and_papers_not_on_the_hub(
    s2: FakeScholar,
) -> None:
    doi = await invoke(PAPERS, operation="details", arxiv_id="https://doi.org/10.1234/fold.2021")
    assert doi.content.splitlines()[:6] == [
        "# Protein Folding with Transformers (DOI:10.1234/fold.2021)",
        "https://www.semanticscholar.org/paper/3333333333333333333333333333333333333333",
        "authors: Rosalind Franklin, Ada Lovelace, Marie Curie",
        "2021-04-15 · Nature · 900 citations",
        "ids: DOI 10.1234/fold.2021 · CorpusId 103 · S2 3333333333333333333333333333333333333333",
        "fields: Biology, Computer Science",
    ]
    elsewhere = await invoke(PAPERS, operation="details", arxiv_id="2310.01234")
    assert elsewhere.content.startswith(
        "(No Hugging Face page for 2310.01234; from Semantic Scholar.)\n# Distilling Attention"
    )
    assert "operation='read' for its sections" in elsewhere.content


async def test_bad_input_gets_a_sentence_to_act_on_and_no_request(
    hub: FakeHub, s2: FakeScholar
) -> None:
    unknown = await invoke(PAPERS, operation="citations", arxiv_id="2999.99999")
    assert unknown.status == "error" and unknown.content == (
        "Listing citations of arXiv:2999.99999 failed: Semantic Scholar has no such paper (404). "
        "Check the id: an arXiv id like 2401.00001, 'DOI:10.…', or a paper id from "
        "operation='search'."
    )
    s2.requests.clear()
    hub.requests.clear()
    for args, said in [
        ({"operation": "search", "query": "  "}, "search needs `query`: the words to look for."),
        ({"operation": "snippets"}, "snippets needs `query`"),
        ({"operation": "recommend"}, "This operation needs `arxiv_id`"),
        ({"operation": "read", "arxiv_id": "DOI:10.1234/fold.2021"}, "read needs `arxiv_id`"),
        (
            {"operation": "search", "query": "x", "year_from": 2024, "year_to": 2020},
            "year_from (2024) is after year_to (2020): swap them.",
        ),
        (
            {"operation": "search", "query": "x", "fields_of_study": "Computer Science, Alchemy"},
            "Unknown fields_of_study ['Alchemy']. Use any of: Computer Science, Medicine",
        ),
    ]:
        result = await invoke(PAPERS, **args)
        assert result.status == "error" and said in result.content, result.content
    assert s2.requests == [] and hub.requests == []


async def test_the_api_key_goes_to_semantic_scholar_only(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeScholar(key=KEY) as s2, FakeScholar() as other:
        monkeypatch.setenv("SEMANTIC_SCHOLAR_API_URL", s2.url)
        monkeypatch.setenv("SEMANTIC_SCHOLAR_API_KEY", KEY)
        monkeypatch.setenv("ARXIV_URL", other.url)
        path = "/graph/v1/paper/arXiv:2401.00001/citations"
        s2.redirects[path] = other.url + path
        moved = await invoke(PAPERS, operation="citations", arxiv_id="2401.00001")
        assert moved.status == "success" and "BERT on a Watch" in moved.content
        await invoke(PAPERS, operation="search", query="bert", sort="citations")
        await invoke(PAPERS, operation="read", arxiv_id="2401.00002")
        assert {r.headers.get("x-api-key") for r in s2.requests} == {KEY}
        assert other.sent_to(path) and other.sent_to("/html/2401.00002")
        assert {r.headers.get("x-api-key") for r in other.requests} == {None}
        assert {r.headers.get("authorization") for r in s2.requests + other.requests} == {None}
        monkeypatch.delenv("SEMANTIC_SCHOLAR_API_KEY")
        s2.requests.clear()
        await invoke(PAPERS, operation="search", query="bert", sort="relevance")
        assert [r.headers.get("x-api-key") for r in s2.requests] == [None]


async def test_a_429_is_retried_once_after_retry_after(s2: FakeScholar) -> None:
    args = {"operation": "search", "query": "attention", "sort": "relevance"}
    s2.fail("/paper/search$", 429, retry_after="0")
    retried = await invoke(PAPERS, **args)
    assert retried.status == "success" and len(s2.sent_to("/paper/search$")) == 2
    s2.fail("/paper/search$", 429, retry_after=email.utils.formatdate(time.time() - 9, usegmt=True))
    dated = await invoke(PAPERS, **args)
    assert dated.status == "success" and len(s2.sent_to("/paper/search$")) == 4
    s2.requests.clear()
    s2.fail("/paper/search$", 429, times=2, retry_after="0")
    still = await invoke(PAPERS, **args)
    assert still.status == "error" and len(s2.requests) == 2
    assert still.content == (
        "Searching Semantic Scholar for 'attention' failed: Semantic Scholar is rate-limiting "
        "requests (429). Retry in 1 s. Setting SEMANTIC_SCHOLAR_API_KEY raises the limit."
    )
    s2.requests.clear()
    s2.fail("/paper/search$", 429, retry_after="120")  # too long to wait: passed on, not slept
    later = await invoke(PAPERS, **args)
    assert "(429). Retry in 120 s." in later.content and len(s2.requests) == 1


async def test_a_slow_server_times_out_with_a_clear_message(
    s2: FakeScholar, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMANTIC_SCHOLAR_TIMEOUT_S", "0.2")
    s2.delay = ("/citations$", 10.0)  # a server thread sleeps; the call gives up at 0.2 s
    started = time.monotonic()
    slow = await invoke(PAPERS, operation="citations", arxiv_id="2401.00001")
    assert slow.status == "error" and time.monotonic() - started < 10
    assert slow.content == (
        "Listing citations of arXiv:2401.00001 failed: Semantic Scholar did not answer within "
        "0.2 s. It may be overloaded: retry in a minute, or search without filters (Hugging Face)."
    )


async def test_a_provider_that_is_down(s2: FakeScholar, monkeypatch: pytest.MonkeyPatch) -> None:
    s2.fail("/recommendations/", 503)
    busy = await invoke(PAPERS, operation="recommend", arxiv_id="2401.00001")
    assert busy.status == "error" and "Semantic Scholar had an error (503)" in busy.content
    monkeypatch.setenv("SEMANTIC_SCHOLAR_API_URL", closed_url())
    gone = await invoke(PAPERS, operation="search", query="x", min_citations=5)
    assert gone.status == "error"
    assert "could not reach Semantic Scholar at 127.0.0.1 (ConnectError)" in gone.content
    both = await invoke(PAPERS, operation="search", query="zebras")
    assert both.status == "error" and both.content.startswith(
        "No papers on Hugging Face match 'zebras'; Semantic Scholar failed too:"
    )


async def test_read_falls_back_to_arxiv_html_sections(hub: FakeHub, s2: FakeScholar) -> None:
    toc = (await invoke(PAPERS, operation="read", arxiv_id="arXiv:2401.00002")).content
    assert toc.splitlines()[:7] == [
        "# 2401.00002: table of contents (252 chars in all)",
        "- Tiny Vision for Everyone (252 chars)",
        "  - Abstract (39 chars)",
        "  - 1 Introduction (40 chars)",
        "  - 2 Method (108 chars)",
        "    - 2.1 Training Data (51 chars)",
        "  - References (37 chars)",
    ]
    assert "## Abstract\n\nWe shrink ViT — to 1 MB." in toc
    assert "Report issue" not in toc and "Ada Lovelace" not in toc
    assert hub.sent_to("/papers/2401.00002.md") and s2.sent_to("/html/2401.00002v1")
    by_name = await invoke(PAPERS, operation="read", arxiv_id="2401.00002", section="training data")
    assert by_name.content == "### 2.1 Training Data\n\nWe use acme/imagenet-mini."
    method = await invoke(PAPERS, operation="read", arxiv_id="2401.00002", section="2")
    assert method.content.startswith("## 2 Method\n\nWe minimise $\\mathcal{L}=x_i^2$ with care.")
    intro = await invoke(PAPERS, operation="read", arxiv_id="2401.00002", section="introduction")
    assert intro.content == "## 1 Introduction\n\nVision is big. [1]."


async def test_read_a_page_that_is_not_utf8(s2: FakeScholar) -> None:
    toc = (await invoke(PAPERS, operation="read", arxiv_id="2401.00003")).content
    assert "- Schrödinger Nets" in toc and "Café-grade models." in toc
    data = await invoke(PAPERS, operation="read", arxiv_id="2401.00003", section="2.1")
    assert data.content.endswith("Données propres.")
    page = '<h2 class="ltx_title ltx_title_section">Résumé</h2><p>Ça va.</p>'
    assert html_to_markdown(page.encode("cp1252"), "windows-1252") == "## Résumé\n\nÇa va."


@pytest.mark.parametrize(
    ("given", "s2", "arxiv"),
    [
        ("2401.00001", "arXiv:2401.00001", "2401.00001"),
        (" https://arxiv.org/abs/2401.00001v3 ", "arXiv:2401.00001", "2401.00001"),
        ("arXiv:2401.00001", "arXiv:2401.00001", "2401.00001"),
        ("https://arxiv.org/pdf/hep-th/9901001v2", "arXiv:hep-th/9901001", "hep-th/9901001"),
        ("DOI:10.1234/fold.2021", "DOI:10.1234/fold.2021", None),
        ("10.1234/fold.2021", "DOI:10.1234/fold.2021", None),
        ("https://doi.org/10.48550/arXiv.2401.00001", "DOI:10.48550/arXiv.2401.00001", None),
        ("CorpusId:101", "CorpusId:101", None),
        ("a" * 40, "a" * 40, None),
        (
            "https://www.semanticscholar.org/paper/Tiny-BERT/" + "b" * 40,
            "b" * 40,
            None,
        ),
    ],
)
def test_paper_ids(given: str, s2: str, arxiv: str | None) -> None:
    assert s2_id(given) == s2
    assert arxiv_of(given) == arxiv


def test_the_description_stays_short() -> None:
    """Model-visible product text: about 160 tokens (4 chars a token), no more."""
    assert len(PAPERS.description) / 4 < 170
