"""No dead seconds in the page: what is sent shows at once, with a "Starting…" state, and a
thread opened from the list shows its history as soon as its state is read (read beside
the thread itself).

"At once" is held here as an order, not a time: each test holds the server's answer at the
HTTP boundary (Playwright's `page.route`) and checks what a person already sees meanwhile. How
many milliseconds these waits are is measured by bench/web_latency.py (a timed assertion fails
on a CI machine whose two cores are busy with other tests).
"""

from __future__ import annotations

from playwright.async_api import Page, Request, Route, expect

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import say, session_server, until

pytest_plugins = ("tests.web.web_harness",)  # the fixtures: session_web, browser, page

web, llm = session_server()  # the test process's server, shared with other modules


class Held:
    """The requests `matches` picks, held unanswered until `release()`."""

    def __init__(self, method: str, ending: str) -> None:
        self.method, self.ending = method, ending
        self.routes: list[Route] = []

    def matches(self, url: str) -> bool:
        return url.split("?")[0].endswith(self.ending)

    async def hold(self, route: Route) -> None:
        if route.request.method == self.method:
            self.routes.append(route)
        else:
            await route.continue_()

    async def release(self) -> None:
        for route in self.routes:
            await route.continue_()


async def sent_while_held(page: Page, held: Held, text: str, answer: str) -> None:
    """`text` sent while `held` holds its requests: it shows, with "Starting…", meanwhile;
    once they are let through, `answer` shows."""
    await page.route(held.matches, held.hold)
    await say(page, text)
    await until(lambda: bool(held.routes))
    await expect(page.locator(".msg.user", has_text=text)).to_be_visible()
    await expect(page.locator("#log").get_by_text("Starting…")).to_be_visible()
    await held.release()
    await page.unroute(held.matches)
    await expect(page.get_by_text(answer)).to_be_visible()


async def test_a_sent_message_shows_with_starting_before_the_server_answers(
    page: Page, llm: ScriptedLLMServer
) -> None:
    llm.add(Turn(content="first answer"), Turn(content="second answer"))
    await expect(page.get_by_text("What should we work on?")).to_be_visible()
    # A new thread: the message shows while the server has not made the thread yet.
    await sent_while_held(page, Held("POST", "/threads"), "first question", "first answer")
    # The thread's next message: it shows while its run is not started yet.
    await sent_while_held(page, Held("POST", "/runs/stream"), "second question", "second answer")


async def test_an_opened_thread_shows_its_history_before_the_thread_is_read(
    page: Page, llm: ScriptedLLMServer
) -> None:
    llm.add(Turn(content="the older answer"), Turn(content="the newer answer"))
    await say(page, "the older question")
    await expect(page.get_by_text("the older answer")).to_be_visible()
    older = page.url.split("thread=")[1]
    await page.get_by_role("button", name="New thread").click()
    await say(page, "the newer question")
    await expect(page.get_by_text("the newer answer")).to_be_visible()

    # The thread's own read (does it exist? is it busy?) holds nothing back: its state is read
    # beside it, and the history shows from it.
    read = Held("GET", f"/threads/{older}")
    await page.route(read.matches, read.hold)
    asked: list[str] = []

    def ask(request: Request) -> None:
        if request.method == "GET" and f"/threads/{older}" in request.url:
            asked.append(request.url.split(f"/threads/{older}", 1)[1])

    page.on("request", ask)
    await page.locator("#thread-list button.thread", has_text="the older question").click()
    await until(lambda: bool(read.routes))
    await expect(page.get_by_text("the older answer")).to_be_visible()
    await expect(page.locator(".msg.user", has_text="the older question")).to_be_visible()
    assert [url.split("?")[0] for url in asked] == ["", "/state"], asked
    # Then whether a run goes on, once the thread is known.
    await read.release()
    await page.unroute(read.matches)
    await until(lambda: len(asked) == 3)
    page.remove_listener("request", ask)
    assert asked[2].split("?")[0] == "/runs", asked
    await expect(page.get_by_text("the older answer")).to_be_visible()
