"""`ml-intern web`, the orderings a busy server or a fast user can give the page: each test
holds a request at the HTTP boundary (Playwright's `page.route`) or a command on a file, and
checks what a person sees meanwhile and after.

The real server, the scripted LLM, a real browser, as tests/web/test_web_features.py.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.async_api import Page, Request, Route, expect

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import (
    MOST_SHOWN,
    bash,
    frames,
    say,
    session_server,
    session_workspace,
    until,
)

pytest_plugins = ("tests.web.web_harness",)  # the fixtures: session_web, browser, page

# The test process's server, shared with other modules: each test works in a thread of its
# own, on files whose names no other module uses.
web, llm = session_server()
workspace = session_workspace()


def waits_for(name: str) -> str:
    """Shell that waits (at most 30 s) until the file `name` is in the workspace."""
    return f"for n in $(seq 600); do [ -e {name} ] && break; sleep 0.05; done"


# The most times `line` showed at once in a running tool's progress, on every change of the
# log, in `window.__most`.
MOST_IN_PROGRESS = """line => {
  window.__most = 0;
  const count = () => [...document.querySelectorAll("#log pre.progress")]
    .map((pre) => pre.textContent.split("\\n").filter((l) => l === line).length)
    .reduce((a, b) => a + b, 0);
  new MutationObserver(() => { window.__most = Math.max(window.__most, count()); })
    .observe(document.getElementById("log"), { subtree: true, childList: true, characterData: true });
}"""


async def test_a_run_left_and_opened_again_is_followed_once(
    page: Page, llm: ScriptedLLMServer, workspace: Path
) -> None:
    # A person leaves a thread while its run goes on and comes back to it: the page joins the
    # run again, and the stream it left open must not be drawn as well (each line twice).
    command = f"echo tick-1; {waits_for('rejoin-go-1')}; echo tick-2; {waits_for('rejoin-go-2')}"
    llm.add(Turn(tool_calls=[bash("j1", command)]), Turn(content="Ticked twice."))
    await say(page, "tick, and tick again")
    await page.get_by_role("button", name="Approve").click()
    card = page.locator("details.tool[data-call=j1]")
    await expect(card.locator("pre.progress")).to_contain_text("tick-1")

    await page.get_by_role("button", name="New thread").click()
    await expect(page.get_by_text("What should we work on?")).to_be_visible()
    threads = page.get_by_role("complementary", name="Threads")
    await threads.locator(".thread", has_text="tick, and tick again").click()
    await expect(card.locator(".tool-status")).to_have_text("running")  # joined

    await page.evaluate(MOST_IN_PROGRESS, "tick-2")
    (workspace / "rejoin-go-1").touch()
    await expect(card.locator("pre.progress")).to_contain_text("tick-2")
    await frames(page, 5)  # the other stream, had the page still read it, has had its turn
    (workspace / "rejoin-go-2").touch()
    await expect(page.get_by_text("Ticked twice.")).to_be_visible()
    await expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    assert await page.evaluate("window.__most") == 1


async def test_a_run_joined_after_a_reload_can_be_stopped(
    page: Page, llm: ScriptedLLMServer, workspace: Path
) -> None:
    # The page reloaded mid-run joins the run: its Stop works as it did before the reload.
    llm.add(Turn(tool_calls=[bash("r1", f"echo started; {waits_for('reload-never')}")]))
    await say(page, "a job to reload over")
    await page.get_by_role("button", name="Approve").click()
    card = page.locator("details.tool[data-call=r1]")
    await expect(card.locator("pre.progress")).to_contain_text("started")
    await page.reload()
    await expect(card.locator(".tool-status")).to_have_text("running")
    await expect(page.get_by_role("button", name="Stop")).to_be_enabled()
    await page.get_by_role("button", name="Stop").click()
    await expect(page.get_by_text("Stopped by you.")).to_be_visible()
    await expect(card.locator(".tool-status")).to_have_text("cancelled")
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()


async def test_enter_while_a_new_thread_is_made_does_not_make_another(
    page: Page, llm: ScriptedLLMServer
) -> None:
    # Send is disabled while the first message's thread is being made; Enter in the message
    # box is refused too (a second message would make a second thread, and the page would
    # leave the first one's run unwatched). What was typed stays in the box.
    made: list[Request] = []
    held: list[Route] = []

    async def hold_first_thread(route: Route) -> None:
        if route.request.method == "POST":
            made.append(route.request)
        if route.request.method == "POST" and not held:
            held.append(route)  # a busy server: the thread is not made yet
        else:
            await route.continue_()

    await page.route("**/threads", hold_first_thread)
    llm.add(Turn(content="One thread, one answer."))
    await say(page, "the first message")
    await until(lambda: bool(held))
    await expect(page.get_by_role("button", name="Send")).to_be_disabled()
    await page.get_by_label("Message").fill("the second message")
    await page.get_by_label("Message").press("Enter")
    await frames(page, 3)
    assert len(made) == 1
    await expect(page.get_by_label("Message")).to_have_value("the second message")

    await held[0].continue_()
    await expect(page.get_by_text("One thread, one answer.")).to_be_visible()
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()
    await expect(page.locator(".msg.user")).to_have_count(1)
    assert len(made) == 1
    await page.unroute("**/threads")


PLAN_CALL = {
    "name": "plan",
    "id": "p1",
    "arguments": {"todos": [{"id": "1", "content": "Count the lines", "status": "in_progress"}]},
}


def up_to_its_plan(body: str, said: str) -> str:
    """The run's server-sent events up to the plan's update after the update that carries
    what the model `said`: what a page has read when a busy server has not yet answered its
    ask for the thread's state."""
    events = body.replace("\r\n", "\n").split("\n\n")
    update = next(i for i, e in enumerate(events) if e.startswith("event: updates") and said in e)
    plan = next(
        i
        for i, e in enumerate(events)
        if i > update and e.startswith("event: custom") and "plan_update" in e
    )
    return "\n\n".join(events[: plan + 1]) + "\n\n"


async def test_a_reply_stays_while_its_state_is_on_the_way(
    page: Page, llm: ScriptedLLMServer, workspace: Path
) -> None:
    # The model says something and sets a plan. Its update reaches the page, whose ask for
    # the thread's state a busy server answers late; the plan's update meanwhile redraws the
    # page: what the model said stays shown, not gone until the state comes.
    # (A plan, not a command's output: a command this short may print before any progress.)
    said = "Let me count the lines first."
    llm.add(
        Turn(tool_calls=[bash("s1", "true")]),
        Turn(content=said, tool_calls=[PLAN_CALL]),
        Turn(content="There are 3."),
    )
    held: list[Route] = []
    holding = False

    async def late_states(route: Route) -> None:
        if holding and route.request.method == "GET":
            held.append(route)
        else:
            await route.continue_()

    async def read_up_to_progress(route: Route) -> None:
        if not holding:
            await route.continue_()
            return
        response = await route.fetch()  # the whole run, done on the server
        await route.fulfill(response=response, body=up_to_its_plan(await response.text(), said))

    await page.route("**/threads/*/state", late_states)
    await page.route("**/runs/stream", read_up_to_progress)
    await say(page, "how many lines?")
    await expect(page.get_by_role("button", name="Yolo for this thread")).to_be_visible()
    await page.evaluate(MOST_SHOWN, said)
    holding = True
    await page.get_by_role("button", name="Yolo for this thread").click()
    # The plan's update, the last event the page reads, is drawn:
    await expect(page.get_by_role("complementary", name="Plan")).to_contain_text("Count the lines")
    await frames(page, 3)
    assert await page.locator(".msg.assistant", has_text=said).count() == 1
    assert not await page.evaluate("window.__gone")

    holding = False
    for route in held:
        await route.continue_()
    await expect(page.get_by_text("There are 3.")).to_be_visible()
    await expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    await expect(page.locator(".msg.assistant", has_text=said)).to_have_count(1)
    assert not await page.evaluate("window.__gone")
    await page.unroute("**/runs/stream")
    await page.unroute("**/threads/*/state")


async def test_a_thread_left_and_opened_again_many_times_mid_run_still_answers(
    page: Page, llm: ScriptedLLMServer, workspace: Path
) -> None:
    # A long run: a person goes to a new thread and back to this one, again and again. The
    # stream of the run they left is closed each time (a browser keeps six connections to a
    # server: streams left open would take them all, and the page would wait for ever).
    llm.add(
        Turn(tool_calls=[bash("t1", f"echo started; {waits_for('toggle-go')}")]),
        Turn(content="Done at last."),
    )
    await say(page, "a long job to look away from")
    await page.get_by_role("button", name="Approve").click()
    card = page.locator("details.tool[data-call=t1]")
    await expect(card.locator("pre.progress")).to_contain_text("started")
    threads = page.get_by_role("complementary", name="Threads")
    for _ in range(7):
        await page.get_by_role("button", name="New thread").click()
        await expect(page.get_by_text("What should we work on?")).to_be_visible()
        await threads.locator(".thread", has_text="a long job to look away from").click()
        await expect(card.locator(".tool-status")).to_have_text("running", timeout=10_000)
    (workspace / "toggle-go").touch()
    await expect(page.get_by_text("Done at last.")).to_be_visible()


async def test_a_message_that_fails_after_its_thread_was_left_leaves_the_new_one_alone(
    page: Page, llm: ScriptedLLMServer
) -> None:
    # A message is sent; a busy server has not started its run when the person opens a new
    # thread. The new thread is ready to send to; and when the run is refused, the page puts
    # back the message's thread's messages in no other thread.
    llm.add(Turn(content="The first answer."))
    await say(page, "a thread with two messages")
    await expect(page.get_by_text("The first answer.")).to_be_visible()
    held: list[Route] = []

    async def hold_run(route: Route) -> None:
        held.append(route)  # a busy server: the run has not started

    await page.route("**/runs/stream", hold_run)
    await say(page, "the second message")
    await until(lambda: bool(held))
    await page.get_by_role("button", name="New thread").click()
    await expect(page.get_by_text("What should we work on?")).to_be_visible()
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()

    async with page.expect_response(lambda r: r.url.endswith("/runs/stream")):
        await held[0].fulfill(status=503, json={"detail": "The server is busy."})
    await frames(page, 3)
    await expect(page.get_by_text("What should we work on?")).to_be_visible()
    assert await page.locator(".msg.user").count() == 0
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()
    await page.unroute("**/runs/stream")


async def test_an_unknown_thread_answered_late_does_not_hide_the_one_opened_since(
    page: Page, llm: ScriptedLLMServer
) -> None:
    # A link to a thread the server does not have; before a busy server says so, the person
    # opens one of their threads. The late "not found" is not said of the thread opened.
    llm.add(Turn(content="This thread exists."))
    await say(page, "a thread that is here")
    await expect(page.get_by_text("This thread exists.")).to_be_visible()
    unknown = str(uuid.uuid4())
    held: list[Route] = []

    async def hold_unknown(route: Route) -> None:
        held.append(route)  # a busy server: not answered yet

    await page.route(f"**/threads/{unknown}", hold_unknown)
    await page.get_by_role("button", name="New thread").click()
    await page.evaluate("id => { location.hash = `thread=${id}`; }", unknown)
    await until(lambda: bool(held))
    threads = page.get_by_role("complementary", name="Threads")
    await threads.locator(".thread", has_text="a thread that is here").click()
    await expect(page.get_by_text("This thread exists.")).to_be_visible()

    async with page.expect_response(lambda r: r.url.endswith(unknown)):
        await held[0].fulfill(status=404, json={"detail": f"Thread {unknown} not found"})
    await frames(page, 3)
    await expect(page.get_by_text("This thread exists.")).to_be_visible()
    assert await page.get_by_text("No such thread").count() == 0
    await page.unroute(f"**/threads/{unknown}")


async def test_a_setting_answered_after_its_thread_was_left_stays_with_that_thread(
    page: Page, llm: ScriptedLLMServer
) -> None:
    # Effort changed in one thread; before a busy server answers, the person opens another.
    # The answer is not drawn as the other thread's effort.
    llm.add(Turn(content="First thread."), Turn(content="Second thread."))
    await say(page, "the thread whose effort changes")
    await expect(page.get_by_text("First thread.")).to_be_visible()
    first = page.url.split("#thread=")[1]
    await page.get_by_role("button", name="New thread").click()
    await say(page, "the thread left alone")
    await expect(page.get_by_text("Second thread.")).to_be_visible()
    threads = page.get_by_role("complementary", name="Threads")
    await threads.locator(".thread", has_text="the thread whose effort changes").click()
    await expect(page.get_by_text("First thread.")).to_be_visible()
    held: list[Route] = []

    async def hold_settings(route: Route) -> None:
        held.append(route)  # a busy server: not answered yet

    await page.route(f"**/web/threads/{first}/settings", hold_settings)
    await page.get_by_label("Effort").select_option("high")
    await until(lambda: bool(held))
    await threads.locator(".thread", has_text="the thread left alone").click()
    await expect(page.get_by_text("Second thread.")).to_be_visible()
    await expect(page.get_by_label("Effort")).to_have_value("")

    async with page.expect_response(lambda r: r.url.endswith("/settings")):
        await held[0].continue_()
    await frames(page, 3)
    assert await page.get_by_label("Effort").input_value() == ""
    assert "Effort: high" not in await page.get_by_role("status").inner_text()
    await page.unroute(f"**/web/threads/{first}/settings")
