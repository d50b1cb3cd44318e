"""hf_papers against the local Hub's paper pages (Semantic Scholar and arXiv are local too)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.hub_server import FakeHub, hub_env, invoke
from tests.fakes.scholar_server import FakeScholar
from tools.hub.papers import arxiv_id_of, papers_spec, read_text

PAPERS = papers_spec().tool


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """The local Hub; fallbacks (Semantic Scholar, arXiv HTML) reach a local fake, never the web."""
    with hub_env(monkeypatch) as hub, FakeScholar() as elsewhere:
        monkeypatch.setenv("SEMANTIC_SCHOLAR_API_URL", elsewhere.url)
        monkeypatch.setenv("ARXIV_URL", elsewhere.url)
        monkeypatch.delenv("SEMANTIC_SCHOLAR_API_KEY", raising=False)
        yield hub


async def test_search_and_daily(hub: FakeHub) -> None:
    found = await invoke(PAPERS, operation="search", query="bert")
    assert found.content.startswith("1 papers for 'bert':\n- 2401.00001 · Tiny BERT for Everyone")
    assert "We train a tiny BERT that runs anywhere." in found.content
    assert hub.sent_to("/api/papers/search")[-1].query == {"q": ["bert"], "limit": ["10"]}
    daily = await invoke(PAPERS, operation="daily", date="2024-02-03", limit=1)
    assert daily.content.count("\n- ") == 1
    assert hub.sent_to("/api/daily_papers")[-1].query["date"] == ["2024-02-03"]
    nothing = await invoke(PAPERS, operation="search", query="string theory")
    assert nothing.content == (
        "No papers match 'string theory' on Hugging Face or Semantic Scholar. Try other words."
    )


async def test_details_accept_an_arxiv_url(hub: FakeHub) -> None:
    result = await invoke(
        PAPERS, operation="details", arxiv_id="https://arxiv.org/abs/2401.00001v3"
    )
    text = result.content
    assert text.startswith("# Tiny BERT for Everyone (2401.00001)")
    assert "authors: Ada Lovelace, Alan Turing" in text
    assert "github https://github.com/acme/tiny-bert" in text
    assert "linked models (1): acme/tiny-bert" in text


async def test_read_gives_contents_then_one_section(hub: FakeHub) -> None:
    toc = (await invoke(PAPERS, operation="read", arxiv_id="2401.00001")).content
    assert "  - 1 Introduction (1,041 chars)" in toc and "    - 2.1 Data" in toc
    assert "## Abstract\nWe train a tiny BERT" in toc
    section = await invoke(PAPERS, operation="read", arxiv_id="2401.00001", section="2")
    assert section.content == "## 2 Method\nWe distil.\n\n### 2.1 Data\nWe use acme/imdb-mini."
    by_title = await invoke(PAPERS, operation="read", arxiv_id="2401.00001", section="results")
    assert by_title.content == "## 3 Results\nIt works: 91.2% accuracy."
    missing = await invoke(PAPERS, operation="read", arxiv_id="2401.00001", section="9")
    assert (
        missing.status == "error"
        and "Sections: Tiny BERT for Everyone; Abstract" in missing.content
    )


async def test_repos_citing_a_paper(hub: FakeHub) -> None:
    models = await invoke(PAPERS, operation="find_models", arxiv_id="2401.00001")
    assert models.content == "1 models citing arXiv 2401.00001:\n- acme/tiny-bert · ↓12,345 · ♥67"
    datasets = await invoke(PAPERS, operation="find_datasets", arxiv_id="arXiv:2401.00001")
    assert "acme/imdb-mini" in datasets.content
    assert hub.sent_to("/api/datasets")[-1].query["filter"] == ["arxiv:2401.00001"]


async def test_errors_name_what_is_missing(hub: FakeHub) -> None:
    no_id = await invoke(PAPERS, operation="details")
    assert no_id.status == "error" and "needs `arxiv_id`" in no_id.content
    unknown = await invoke(PAPERS, operation="read", arxiv_id="2999.99999")
    assert unknown.status == "error"
    assert "Neither the Hub nor arXiv has a readable text of 2999.99999" in unknown.content
    bad_date = await invoke(PAPERS, operation="daily", date="yesterday")
    assert bad_date.status == "error" and "Invalid arguments for `hf_papers`" in bad_date.content


def test_arxiv_ids_and_long_sections_are_capped() -> None:
    assert arxiv_id_of("2401.00001v2") == "2401.00001"
    assert arxiv_id_of(" hep-th/9901001 ") == "hep-th/9901001"
    text = read_text("x", "# T\n\n## Long\n" + "a" * 20_000, "long")
    assert len(text) < 12_100 and text.endswith("more chars]")
