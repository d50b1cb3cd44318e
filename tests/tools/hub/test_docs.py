"""hf_docs_search and hf_docs_fetch; the token never reaches a host that is not the Hub."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.hub_server import FakeHub, hub_env, invoke
from tools.hub.client import is_hub_url, token_allowed
from tools.hub.docs_fetch import docs_fetch_spec, html_to_text
from tools.hub.docs_search import docs_search_spec

SEARCH, FETCH = docs_search_spec().tool, docs_fetch_spec().tool


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with hub_env(monkeypatch) as hub:
        yield hub


@pytest.fixture
def other() -> Iterator[FakeHub]:
    """Another host: it must never see the Hub's token."""
    with FakeHub(token="not-the-hub") as other:
        other.pages["/page"] = {"text/markdown": "# elsewhere"}
        yield other


async def test_search_groups_excerpts_by_page(hub: FakeHub) -> None:
    result = await invoke(SEARCH, query="trainer dataset", product="trl")
    lines = result.content.splitlines()
    assert lines[0] == "Docs for 'trainer dataset' (product trl):"
    assert lines[1] == "## SFT Trainer (trl) https://huggingface.co/docs/trl/sft_trainer"
    assert lines[2].startswith("- [Quickstart] The SFTTrainer makes") and "<p>" not in lines[2]
    assert lines[3].startswith("- [Dataset format]")
    sent = hub.sent_to("/api/docs/search")[-1]
    assert sent.query == {"q": ["trainer dataset"], "product": ["trl"], "limit": ["10"]}
    none = await invoke(SEARCH, query="kubernetes", product="trl")
    assert "No documentation found for 'kubernetes' in trl" in none.content


async def test_fetch_asks_for_markdown(hub: FakeHub) -> None:
    result = await invoke(FETCH, url="/docs/trl/sft_trainer")
    assert (
        result.content
        == f"{hub.url}/docs/trl/sft_trainer\n\n# SFT Trainer\n\nThe SFTTrainer fine-tunes a model on a dataset.\n"
    )
    assert "text/markdown" in hub.sent_to("/docs/trl/sft_trainer")[-1].headers["accept"]


async def test_fetch_falls_back_to_the_md_twin_of_an_html_page(hub: FakeHub) -> None:
    result = await invoke(FETCH, url=f"{hub.url}/docs/hub/jobs")
    assert "Run compute jobs with `hf jobs run`." in result.content
    del hub.pages["/docs/hub/jobs.md"]
    html = await invoke(FETCH, url=f"{hub.url}/docs/hub/jobs")
    assert html.content.endswith("# Jobs\nRun jobs.") and "x()" not in html.content


async def test_long_pages_come_in_parts(hub: FakeHub) -> None:
    first = await invoke(FETCH, url="/docs/hub/long")
    assert "call again with offset=15000" in first.content
    second = await invoke(FETCH, url="/docs/hub/long", offset=15000)
    assert "chars 15,000-" in second.content
    past = await invoke(FETCH, url="/docs/hub/long", offset=10**6)
    assert past.status == "error" and "past the end" in past.content


async def test_off_hub_urls_are_refused_and_never_requested(hub: FakeHub, other: FakeHub) -> None:
    for url in (f"{other.url}/page", "https://example.com/docs", "file:///etc/passwd"):
        result = await invoke(FETCH, url=url)
        assert result.status == "error" and "only fetches Hugging Face pages" in result.content
    assert other.requests == []


async def test_a_hub_redirect_to_another_host_is_not_followed(hub: FakeHub, other: FakeHub) -> None:
    hub.redirects["/docs/moved"] = f"{other.url}/page"
    result = await invoke(FETCH, url="/docs/moved")
    assert (
        result.status == "error"
        and "not a Hugging Face host, so it was not followed" in result.content
    )
    assert hub.sent_to("/docs/moved")[-1].headers["authorization"] == f"Bearer {hub.token}"
    assert other.requests == []


async def test_a_redirect_within_the_hub_is_followed(hub: FakeHub) -> None:
    hub.redirects["/docs/old"] = "/docs/trl/sft_trainer"
    result = await invoke(FETCH, url="/docs/old")
    assert "# SFT Trainer" in result.content


def test_the_token_goes_only_to_the_hub_and_the_viewer(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_INTERN_DATASETS_SERVER_URL", "https://viewer.example:8443")
    assert token_allowed(f"{hub.url}/api/models")
    assert token_allowed("https://viewer.example:8443/splits")
    assert not token_allowed("https://viewer.example/splits")  # another port: another origin
    assert not token_allowed("https://huggingface.co/api/models")  # not the configured endpoint
    assert not token_allowed("https://evil.example/")
    assert is_hub_url("https://hf.co/docs") and is_hub_url(f"{hub.url}/x")
    assert not is_hub_url("http://huggingface.co/docs")
    assert not is_hub_url("https://huggingface.co.evil/")
    assert not is_hub_url("https://hf.co:bad/") and not token_allowed("http://127.0.0.1:x/")


def test_html_to_text_keeps_headings_and_drops_scripts() -> None:
    page = "<h2>Install</h2><script>bad()</script><p>Run <code>pip</code>.</p><ul><li>a</li></ul>"
    assert html_to_text(page) == "## Install\nRun pip.\n- a"
