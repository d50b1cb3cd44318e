"""Answers render as GitHub renders markdown, through the vendored marked and DOMPurify, and
what a model (or a page it quotes) writes can never run in the page.

The real `ml-intern web`, the scripted LLM and Debian's chromium (tests/web/web_harness.py):
the test process's server (shared with other modules' tests), each test in a new thread of
its own.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
from playwright.async_api import Locator, Page, expect

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import delete_thread, say, script_errors, session_server, snap

pytest_plugins = ("tests.web.web_harness",)  # the fixtures: session_web, browser, page

REPORT = """## Results

| model | accuracy | loss |
|---|---:|---|
| *base* | 0.81 | 0.52 |
| **tuned** | 0.89 | 0.31 |

> Tuned on `imdb` for _two_ epochs.

1. first
2. second

See [the card](https://huggingface.co/bert-base-uncased) and ~~old~~ notes.

```python
print("hi")
```
"""
HOSTILE = """Payloads:

<script>window.__xss = "script"</script>
<img src=x onerror="window.__xss = 'img'">
<iframe src="javascript:window.__xss='iframe'"></iframe>
<a href="javascript:window.__xss='link'">html link</a>
[md link](javascript:window.__xss='md')
<svg onload="window.__xss='svg'"></svg>
<form action="/oauth/logout" method="post"><button>go</button></form>
<div onmouseover="window.__xss='hover'" style="position:fixed;inset:0">cover</div>
"""


web, llm = session_server()  # the test process's server, shared with other modules


async def answer_of(page: Page) -> object:
    answer = page.locator(".msg.assistant").last
    await expect(answer).to_be_visible()
    return answer


async def rows_of(answer: Locator, expected: list[list[str]]) -> list[list[str]]:
    """The table's rows, cell by cell, once they read as `expected` (or after 30 s): the
    answer is drawn again when its run ends, and a row read from the replaced copy has no
    table layout (its cells come out as lines)."""
    deadline = time.monotonic() + 30
    while True:
        rows = [r.split("\t") for r in await answer.locator("table tr").all_inner_texts()]
        if rows == expected or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.1)


async def test_tables_emphasis_quotes_lists_links_and_code(
    page: Page, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    llm.add(Turn(content=REPORT))
    await say(page, "report")
    answer = page.locator(".msg.assistant .md").last
    await expect(answer.locator("table")).to_be_visible(timeout=90_000)
    table = [["model", "accuracy", "loss"], ["base", "0.81", "0.52"], ["tuned", "0.89", "0.31"]]
    assert await rows_of(answer, table) == table
    await expect(answer.locator("td em")).to_have_text("base")
    await expect(answer.locator("td strong")).to_have_text("tuned")
    await expect(answer.locator("blockquote em")).to_have_text("two")
    await expect(answer.locator("blockquote code")).to_have_text("imdb")
    await expect(answer.locator("ol li")).to_have_text(["first", "second"])
    await expect(answer.locator("del")).to_have_text("old")
    link = answer.get_by_role("link", name="the card")
    await expect(link).to_have_attribute("href", "https://huggingface.co/bert-base-uncased")
    await expect(link).to_have_attribute("target", "_blank")
    await expect(link).to_have_attribute("rel", "noopener noreferrer")
    await expect(answer.locator("pre.code code")).to_have_text('print("hi")')
    await snap(page, tmp_path, "web-markdown.png")
    assert script_errors(page) == []


async def test_nothing_a_model_writes_runs(page: Page, llm: ScriptedLLMServer) -> None:
    llm.add(Turn(content=HOSTILE))
    await say(page, "show me")
    answer = page.locator(".msg.assistant .md").last
    await expect(answer).to_contain_text("Payloads:", timeout=90_000)
    await expect(answer).to_contain_text("html link")
    for tag in ("script", "img", "iframe", "svg", "form", "button", "[onmouseover]", "[style]"):
        await expect(answer.locator(tag)).to_have_count(0)
    for name in ("html link", "md link"):
        await expect(answer.get_by_text(name)).not_to_have_attribute("href", "javascript:")
    hrefs = await answer.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert all(h is None for h in hrefs), hrefs
    await answer.hover()
    await page.reload()  # rendered again from the saved thread
    await expect(page.locator(".msg.assistant .md").last).to_contain_text("Payloads:")
    assert await page.evaluate("window.__xss") is None


async def test_a_ten_thousand_row_table_keeps_the_page_responsive(
    page: Page, llm: ScriptedLLMServer, web: str
) -> None:
    rows = "\n".join(f"| {n} | {n * n} |" for n in range(10_000))
    llm.add(Turn(content=f"| n | square |\n|---|---|\n{rows}\n"))
    await say(page, "squares")
    table = page.locator(".msg.assistant .md table").last
    await expect(table.locator("tr")).to_have_count(10_001, timeout=120_000)
    started = time.monotonic()
    await page.get_by_label("Message").fill("still typing")
    await expect(page.get_by_label("Message")).to_have_value("still typing")
    typed = time.monotonic() - started
    # The page answers while the table is shown (320 ms on a quiet machine, 2.1 s with two
    # cores shared by seven agents; a page stuck re-rendering the table never answers).
    assert typed < 5.0, typed
    print(f"10,000-row table: typing answered in {typed * 1000:.0f} ms")
    delete_thread(web, page.url.split("#thread=")[1])  # not in later tests' thread lists


def test_the_page_has_a_favicon(web: str) -> None:
    icon = httpx.get(f"{web}/web/favicon.svg", trust_env=False)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")
    page = httpx.get(f"{web}/", trust_env=False).text
    assert '<link rel="icon" href="/web/favicon.svg"' in page


def test_vendored_libraries_keep_their_identity() -> None:
    """web/vendor/<name>-<version>/: the npm package's own licence and version, unedited."""
    vendor = Path(__file__).resolve().parents[2] / "web" / "vendor"
    for folder in sorted(vendor.iterdir()):
        meta = json.loads((folder / "package.json").read_text())
        assert folder.name == f"{meta['name']}-{meta['version']}"
        assert (folder / "LICENSE").read_text().strip()
