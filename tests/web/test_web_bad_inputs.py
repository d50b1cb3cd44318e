"""Bad inputs a person meets in the page: two tabs on one thread, a tab closed while an
approval waits, a 5 MB answer, the server restarted mid-run. The page stays consistent and
says what happened.

(Covered elsewhere: a 10,000-row table, tests/web/test_web_markdown.py; a thread deleted in
the CLI while open, tests/web/test_web_thread_list.py; a tab closed mid-run,
tests/web/test_web_features.py.)
The real `ml-intern web`, the scripted LLM and Debian's chromium (tests/web/web_harness.py):
the test process's server (shared with other modules' tests) for the page tests, each in a
thread of its own, and one of its own for the test that restarts it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, expect

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import (
    Chromium,
    bash,
    delete_thread,
    free_port,
    open_page,
    say,
    script_errors,
    session_server,
    session_workspace,
    snap,
    start_web,
    stop_web,
    wait_for_ready,
)

pytest_plugins = ("tests.web.web_harness",)  # session_web, browser, page, chromium


web, llm = session_server()
workspace = session_workspace()  # the server's: each test's files have names of their own


@pytest.mark.timeout(300)
async def test_two_tabs_and_a_tab_closed_while_an_approval_waits(
    browser: Browser, llm: ScriptedLLMServer, web: str, workspace: Path
) -> None:
    first = await open_page(browser, f"{web}/")
    llm.add(Turn(tool_calls=[bash("t1", "echo once >> twice.txt")]))
    await say(first, "append once")
    await expect(first.get_by_role("button", name="Approve")).to_be_visible()

    # The same thread in a second tab: the approval shows there too; it is answered there.
    second = await open_page(browser, first.url)
    await expect(second.get_by_role("button", name="Approve")).to_be_visible()
    llm.add(Turn(content="Appended."))
    await second.get_by_role("button", name="Approve").click()
    await expect(second.get_by_text("Appended.")).to_be_visible()

    # The first tab still shows the approval: answering it again is refused with the reason,
    # and the tab then shows the thread as it is. The command ran once.
    asked = len(llm.requests)
    await first.get_by_role("button", name="Approve").click()
    await expect(first.get_by_role("alert").first).to_contain_text("not waiting for an approval")
    await expect(first.get_by_text("Appended.")).to_be_visible()
    await expect(first.get_by_role("button", name="Approve")).to_have_count(0)
    assert (workspace / "twice.txt").read_text() == "once\n"
    assert len(llm.requests) == asked

    # A tab closed while an approval waits: the approval is still there when the thread is
    # opened again, and answering it then runs the call.
    llm.add(Turn(tool_calls=[bash("t2", "touch later.txt")]))
    await say(second, "make later.txt")
    await expect(second.get_by_role("button", name="Approve")).to_be_visible()
    url = second.url
    await second.context.close()
    again = await open_page(browser, url)
    await expect(again.get_by_role("button", name="Approve")).to_be_visible()
    llm.add(Turn(content="Made it."))
    await again.get_by_role("button", name="Approve").click()
    await expect(again.get_by_text("Made it.")).to_be_visible()
    assert (workspace / "later.txt").exists()
    assert script_errors(first) == [] and script_errors(again) == []


END = "THE END OF A LONG ANSWER"
STUCK_MS = 30_000  # an answer later than this is a page that does not answer
# An element's markup, as its length and a 32-bit hash (not 5 MB through the driver).
DIGEST = """node => {
  const html = node.outerHTML;
  let hash = 0;
  for (let at = 0; at < html.length; at++) hash = (Math.imul(hash, 31) + html.charCodeAt(at)) | 0;
  return [html.length, hash];
}"""


async def expect_the_end_drawn(answer: Locator) -> None:
    """Passes once the last paragraph of `answer` (the 5 MB one) is its last words.

    Not `to_contain_text` on the answer: that reads and normalises its whole text on each
    poll, ~2 s of the page's own thread for 5 MB, which draws the answer that much later.
    """
    await expect(answer.locator("p").last).to_have_text(END, timeout=120_000)


@pytest.mark.timeout(300)
async def test_a_five_megabyte_answer_keeps_the_page_responsive(
    browser: Browser, llm: ScriptedLLMServer, web: str
) -> None:
    page = await open_page(browser, f"{web}/")
    words = "lorem ipsum dolor sit amet " * 200
    paragraphs = "\n\n".join(f"{n}. {words}" for n in range(1_000))  # 5.4 MB
    llm.add(Turn(content=f"{paragraphs}\n\n{END}"))
    await say(page, "write a lot")
    last = page.locator(".msg.assistant").last
    await expect_the_end_drawn(last)
    await expect(page.locator(".msg.assistant.live")).to_have_count(0)  # the run's end drawn
    drawn_as_it_came = await last.evaluate(DIGEST)
    started = time.monotonic()
    await page.get_by_label("Message").fill("still typing", timeout=STUCK_MS)
    # A stuck page never answers; how fast a live one does is bench/web_latency.py's figure,
    # not a wall-clock bound here (5 s failed once on CI's shared cores: 5.9 s, then answered).
    await expect(page.get_by_label("Message")).to_have_value("still typing", timeout=STUCK_MS)
    typed = time.monotonic() - started
    await page.reload()  # and the thread opens again with it
    await expect_the_end_drawn(last)
    assert await last.evaluate(DIGEST) == drawn_as_it_came  # the page draws changes in place
    assert script_errors(page) == []
    print(f"5 MB answer: typing answered in {typed * 1000:.0f} ms")
    delete_thread(web, page.url.split("#thread=")[1])  # not in later tests' thread lists


@pytest.mark.timeout(400)
async def test_a_server_restarted_mid_run(
    chromium: Chromium, isolated_home: Path, tmp_path: Path
) -> None:
    """A server (and scripted model) of its own, to restart."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    with ScriptedLLMServer() as llm:
        await restart_mid_run(chromium, llm, isolated_home, workspace, tmp_path)


async def restart_mid_run(
    chromium: Chromium, llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    port = free_port()
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, "--port", str(port))
    try:
        wait_for_ready(proc, out)
        async with chromium() as browser:
            page = await open_page(browser, f"http://127.0.0.1:{port}/")
            asked = len(llm.requests)
            llm.add(Turn(content="Cut off by the restart.", delay=30))
            await say(page, "a slow question")
            await expect(page.get_by_text("Working…")).to_be_visible()
            deadline = time.monotonic() + 60
            while len(llm.requests) == asked:  # the model is answering: mid-run
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
            stop_web(proc)
            # The page says what happened, keeps what was sent, and lets you go on.
            await expect(page.get_by_role("alert").first).to_contain_text(
                "Lost the connection to the server"
            )
            await expect(page.locator(".msg.user", has_text="a slow question")).to_have_count(1)
            await expect(page.get_by_role("button", name="Send")).to_be_enabled()
            await snap(page, tmp_path, "web-server-gone.png")
            # Back on the same home: the server runs the cut-off run again from its last
            # checkpoint, and the reloaded page follows it to its answer.
            llm.add(Turn(content="Answered after the restart."))
            proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, "--port", str(port))
            wait_for_ready(proc, out)
            await page.reload()
            await expect(page.get_by_text("Answered after the restart.")).to_be_visible(
                timeout=60_000
            )
            await expect(page.locator(".msg.user", has_text="a slow question")).to_have_count(1)
            await expect(page.get_by_text("Cut off by the restart.")).to_have_count(0)
            llm.add(Turn(content="Back again."))
            await say(page, "are you back?")
            await expect(page.get_by_text("Back again.")).to_be_visible(timeout=60_000)
            assert script_errors(page) == []
    finally:
        stop_web(proc)
        log = isolated_home / "web" / "server.log"  # shown when the test fails
        print(log.read_text(errors="replace")[-6000:] if log.exists() else "no server.log")
