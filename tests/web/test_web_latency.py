"""No dead seconds in the page: what is sent shows at once, with a "Starting…" state, and a
thread opened from the list shows its history within 300 ms. Times are measured inside the
page (tests/web/web_timings.py); bench/web_latency.py prints them.
"""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_timings import open_until_shown, send_until_shown, send_until_status

pytest_plugins = ("tests.web.web_harness",)  # the fixtures: web, browser, page

HISTORY_MS = 300.0
SHOWN_MS = 300.0


async def test_a_sent_message_and_an_opened_thread_show_at_once(
    page: Page, llm: ScriptedLLMServer
) -> None:
    llm.add(Turn(content="first answer"), Turn(content="second answer"))
    await expect(page.get_by_text("What should we work on?")).to_be_visible()
    shown = await send_until_shown(page, "first question")
    await expect(page.get_by_text("first answer")).to_be_visible(timeout=90_000)
    await page.get_by_role("button", name="New thread").click()
    await expect(page.get_by_text("What should we work on?")).to_be_visible()
    status = await send_until_status(page, "second question")
    await expect(page.get_by_text("second answer")).to_be_visible(timeout=90_000)
    opened = await open_until_shown(page, "first question", "first answer")
    print(
        f"sent->shown {shown:.0f} ms, sent->status {status:.0f} ms, open->history {opened:.0f} ms"
    )
    assert shown < SHOWN_MS, shown
    assert status < SHOWN_MS, status
    assert opened < HISTORY_MS, opened
