"""`ml-intern web`, the rest of issue 14's feature list, end to end: the real server, the
scripted LLM, a real browser.

Each test walks through several features, as a person would:
approvals (edit the arguments, yolo for the thread), the plan as a checklist, a tool's
live progress; undo, the model switch, fork and delete; Stop; and the bad inputs: a
thread another process is running, a malformed decision, an unknown thread in the URL,
a tab closed during a run.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import APIResponse, Browser, Page, Route, expect

from store.thread_index import ThreadIndex
from store.thread_lock import ThreadBusyError, ThreadLock
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import (
    MOST_SHOWN,
    bash,
    frames,
    open_page,
    say,
    script_errors,
    serve_web,
    session_server,
    session_workspace,
    snap,
    until,
)

pytest_plugins = ("tests.web.web_harness",)  # the fixtures: session_web, browser, page

# The test process's server (shared with other modules) for the tests that work in threads
# of their own; the test that lists every thread of its home has a server of its own
# (`own_web`).
web, llm = session_server()
workspace = session_workspace()


@pytest.fixture
def own_web(llm: ScriptedLLMServer, isolated_home: Path, tmp_path: Path) -> Iterator[str]:
    """A server of this test's own, on the module's scripted model: its home and workspace
    hold only this test's threads and files."""
    (tmp_path / "workspace").mkdir()
    yield from serve_web(llm.url, isolated_home, tmp_path / "workspace", tmp_path)


PLAN = [
    {"id": "1", "content": "Inspect the dataset", "status": "completed"},
    {"id": "2", "content": "Fine-tune the model", "status": "in_progress"},
    {"id": "3", "content": "Push the model to the Hub", "status": "pending"},
]


def plan_call(call_id: str, todos: list[dict[str, str]]) -> dict[str, object]:
    return {"name": "plan", "id": call_id, "arguments": {"todos": todos}}


def tool_messages(llm: ScriptedLLMServer) -> list[str]:
    """The tool results the model was shown in its latest request."""
    return [str(m["content"]) for m in llm.requests[-1]["messages"] if m["role"] == "tool"]


def thread_of(page: Page) -> str:
    return page.url.split("#thread=")[1]


def read_call(call_id: str, path: str) -> dict[str, object]:
    return {"name": "read", "id": call_id, "arguments": {"path": path}}


def listed_threads(home: Path, workspace: Path) -> list[str]:
    """The thread ids `ml-intern threads list --all --json` prints."""
    env = {**os.environ, "ML_INTERN_HOME": str(home)}
    argv = [sys.executable, "-m", "cli", "threads", "list", "--all", "--json"]
    done = zygote_run(argv, cwd=workspace, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [row["thread_id"] for row in json.loads(done.stdout)]


@pytest.mark.timeout(300)
async def test_edit_arguments_yolo_plan_and_live_progress(
    page: Page, llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    # The plan shows as a checklist; then an approval whose arguments the user edits.
    llm.add(
        Turn(tool_calls=[plan_call("p1", PLAN)]),
        Turn(tool_calls=[bash("b1", "touch original.txt && echo wrote-original")]),
        Turn(content="Done, with your command."),
    )
    await say(page, "train a small model")
    plan = page.get_by_role("list", name="Plan")
    await expect(plan.get_by_role("listitem")).to_have_count(3)
    await expect(plan.get_by_role("listitem").first).to_contain_text("Inspect the dataset (done)")
    await expect(plan.get_by_role("listitem").nth(1)).to_contain_text("(in progress)")
    await expect(page.get_by_role("complementary", name="Plan")).to_contain_text("1/3 done")

    await page.get_by_role("button", name="Edit arguments").click()
    editor = page.get_by_label("Arguments (JSON)")
    await expect(editor).to_have_value(
        '{\n  "command": "touch original.txt && echo wrote-original"\n}'
    )
    await editor.fill('{"command": "touch edited.txt && echo wrote-edited"}')
    await page.get_by_role("button", name="Run edited").click()
    await expect(page.get_by_text("Done, with your command.")).to_be_visible()
    assert (workspace / "edited.txt").exists()
    assert not (workspace / "original.txt").exists()
    assert "wrote-edited" in tool_messages(llm)[-1]
    await expect(page.locator("details.tool").last.locator(".tool-arg")).to_have_text(
        "touch edited.txt && echo wrote-edited"
    )

    # Yolo for the thread: this call is approved, and the next one runs without a card.
    llm.add(
        Turn(tool_calls=[bash("b2", "touch yolo-1.txt")]),
        Turn(tool_calls=[bash("b3", "touch yolo-2.txt")]),
        Turn(content="Both files made."),
    )
    await say(page, "make two files")
    await page.get_by_role("button", name="Yolo for this thread").click()
    await expect(page.get_by_text("Both files made.")).to_be_visible()
    assert (workspace / "yolo-1.txt").exists() and (workspace / "yolo-2.txt").exists()
    await expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    await expect(page.get_by_role("button", name="Yolo")).to_be_visible()

    # A running command's output shows in its card as it comes; the plan moves on. The
    # command holds after its first ticks until the test lets it go on (a file it polls for;
    # at most 30 s).
    ticks = (
        "echo tick-1; echo tick-2; for n in $(seq 600); do [ -e ticks.go ] && break; "
        "sleep 0.05; done; echo tick-3; echo tick-4"
    )
    done_plan = [
        {**PLAN[0]},
        {**PLAN[1], "status": "completed"},
        {**PLAN[2], "status": "in_progress"},
    ]
    llm.add(
        Turn(tool_calls=[bash("b4", ticks)]),
        Turn(tool_calls=[plan_call("p2", done_plan)]),
        Turn(content="Training finished: **loss 0.12**.\n\n- checkpoint saved\n- ready to push"),
    )
    await say(page, "run the training")
    card = page.locator("details.tool[data-call=b4]")
    await expect(card.locator(".tool-status")).to_have_text("running")
    await expect(card.locator("pre.progress")).to_contain_text("tick-1")
    (workspace / "ticks.go").touch()
    await expect(page.get_by_text("Training finished:")).to_be_visible()
    await expect(card.locator("pre.output")).to_contain_text("tick-4")
    await expect(page.get_by_role("complementary", name="Plan")).to_contain_text("2/3 done")

    shot = await snap(page, tmp_path, "web-main.png")
    assert shot.stat().st_size > 10_000
    await expect(page.get_by_role("button", name="Threads")).to_be_hidden()  # a desktop
    await on_a_phone(page, tmp_path)
    assert script_errors(page) == []


async def until_slid_in(page: Page) -> None:
    """Wait for the thread drawer to finish sliding in (its left edge at the screen's)."""
    deadline = time.monotonic() + 10
    while (box := await page.locator("#sidebar").bounding_box()) is None or box["x"] < 0:
        assert time.monotonic() < deadline, box
        await asyncio.sleep(0.05)


async def on_a_phone(page: Page, tmp_path: Path) -> None:
    """At a phone's width the thread list hides behind "Threads", the plan sits above the
    chat, and the chat keeps the width: nothing needs scrolling sideways."""
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.reload()  # as opened on the phone
    threads = page.get_by_role("button", name="Threads")
    await expect(threads).to_be_visible()
    await expect(page.get_by_role("complementary", name="Threads")).to_be_hidden()
    box = await page.get_by_label("Message").bounding_box()
    send = await page.get_by_role("button", name="Send").bounding_box()
    plan = await page.get_by_role("complementary", name="Plan").bounding_box()
    log = await page.locator("#log").bounding_box()
    assert box and send and plan and log
    assert box["width"] > 200 and send["x"] + send["width"] <= 390
    assert plan["y"] + plan["height"] <= log["y"] + 1  # stacked, not side by side
    assert log["height"] > 300  # room to read the chat
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, wide
    await snap(page, tmp_path, "web-phone.png")
    await expect(page.get_by_text("Training finished:")).to_be_in_viewport()

    await threads.click()
    drawer = page.get_by_role("complementary", name="Threads")
    await expect(drawer).to_be_visible()
    await expect(threads).to_have_attribute("aria-expanded", "true")
    await until_slid_in(page)
    await snap(page, tmp_path, "web-phone-threads.png")
    await drawer.locator(".thread", has_text="train a small model").click()
    await expect(drawer).to_be_hidden()  # the thread opened: back to the chat
    await page.get_by_role("button", name="Threads").click()
    await drawer.get_by_role("button", name="New thread").click()
    await expect(drawer).to_be_hidden()
    await expect(page.get_by_text("What should we work on?")).to_be_in_viewport()


def without_final_update(body: str, answer: str) -> str:
    """The run's server-sent events up to the `updates` event that carries `answer`: what
    a page reads while a busy server has saved the reply but not yet sent its update."""
    events = body.replace("\r\n", "\n").split("\n\n")
    last = next(i for i, e in enumerate(events) if e.startswith("event: updates") and answer in e)
    return "\n\n".join(events[:last]) + "\n\n"


async def test_an_answer_saved_before_its_update_arrives_shows_once(
    page: Page, llm: ScriptedLLMServer, workspace: Path
) -> None:
    # A refresh (asked at an earlier step) brings the thread with the answer while the page
    # still draws the answer's streamed text: it shows once, then stays, once.
    answer = "The notes say the run used seed 7."
    (workspace / "notes-seed.txt").write_text("seed: 7\n")
    llm.add(Turn(tool_calls=[read_call("r1", "notes-seed.txt")]), Turn(content=answer))

    async def late_final_update(route: Route) -> None:
        response = await route.fetch()  # the whole run, done on the server
        await route.fulfill(
            response=response, body=without_final_update(await response.text(), answer)
        )

    await page.route("**/runs/stream", late_final_update)
    await page.evaluate(MOST_SHOWN, answer)
    await say(page, "what seed did the run use?")
    await expect(page.locator(".msg.assistant", has_text=answer)).to_have_count(1)
    await expect(page.get_by_role("button", name="Stop")).to_have_count(0)  # the run ended
    await expect(page.locator(".msg.assistant", has_text=answer)).to_have_count(1)
    assert await page.evaluate("window.__most") == 1
    await page.unroute("**/runs/stream")


async def test_a_state_answered_late_does_not_replace_a_newer_one(
    page: Page, llm: ScriptedLLMServer, workspace: Path
) -> None:
    # The page asks for the thread's state at each step of a run. A busy server can answer
    # an early ask after a later one: the page keeps the newer state, and the answer stays.
    answer = "The config sets 3 epochs."
    (workspace / "train-config.txt").write_text("epochs: 3\n")
    gate = threading.Event()
    llm.add(Turn(tool_calls=[read_call("r1", "train-config.txt")]), Turn(content=answer, gate=gate))
    held: list[tuple[Route, APIResponse]] = []

    async def first_state_late(route: Route) -> None:
        if held or route.request.method != "GET":
            await route.continue_()
            return
        held.append((route, await route.fetch()))  # the thread before the answer
        gate.set()

    await page.route("**/threads/*/state", first_state_late)
    await page.evaluate(MOST_SHOWN, answer)
    await say(page, "how many epochs does the config set?")
    await expect(page.locator(".msg.assistant", has_text=answer)).to_have_count(1)
    await expect(page.get_by_role("button", name="Stop")).to_have_count(0)  # the run ended
    async with page.expect_response(lambda r: r.url.endswith("/state")):
        route, early = held[0]
        await route.fulfill(response=early)
    await frames(page, 3)
    await expect(page.locator(".msg.assistant", has_text=answer)).to_have_count(1)
    assert not await page.evaluate("window.__gone")
    await page.unroute("**/threads/*/state")


async def test_a_thread_list_answered_late_does_not_replace_a_newer_one(
    page: Page, llm: ScriptedLLMServer
) -> None:
    # The list asked as the page opened comes back after the one asked at the end of the
    # first run in a new thread: the new thread stays listed.
    held: list[tuple[Route, APIResponse]] = []

    async def first_list_late(route: Route) -> None:
        if held:
            await route.continue_()
        else:
            held.append((route, await route.fetch()))  # the threads before this one

    await page.wait_for_load_state("networkidle")  # the list asked as the page opened is in
    await page.route("**/threads/search", first_list_late)
    await page.reload()
    llm.add(Turn(content="Listed."))
    await say(page, "a thread to keep listed")
    listed = page.get_by_role("complementary", name="Threads").locator(".thread")
    await expect(listed.filter(has_text="a thread to keep listed")).to_have_count(1)
    async with page.expect_response(lambda r: r.url.endswith("/threads/search")):
        route, early = held[0]
        await route.fulfill(response=early)
    await frames(page, 3)
    await expect(listed.filter(has_text="a thread to keep listed")).to_have_count(1)
    await page.unroute("**/threads/search")


@pytest.mark.timeout(300)
async def test_undo_model_switch_fork_and_delete(
    browser: Browser, llm: ScriptedLLMServer, own_web: str, isolated_home: Path, tmp_path: Path
) -> None:
    web, workspace = own_web, tmp_path / "workspace"
    page = await open_page(browser, f"{web}/")
    page.on("dialog", lambda dialog: dialog.accept())
    # A setting chosen before the first message applies to the thread it starts.
    await page.get_by_label("Effort").select_option("low")
    await expect(page.get_by_role("status")).to_contain_text("Effort: low for the next message")
    llm.add(Turn(content="First answer."), Turn(content="Second answer."))
    await say(page, "first question")
    await expect(page.get_by_text("First answer.")).to_be_visible()
    await expect(page.get_by_label("Effort")).to_have_value("low")  # as the thread saved it
    await say(page, "second question")
    await expect(page.get_by_text("Second answer.")).to_be_visible()

    # Undo: the last exchange goes, its message comes back to the box, the model forgets it.
    await page.get_by_role("button", name="Undo").click()
    await expect(page.get_by_text("Second answer.")).to_have_count(0)
    await expect(page.locator(".msg.user")).to_have_count(1)
    await expect(page.get_by_label("Message")).to_have_value("second question")
    llm.add(Turn(content="Rephrased answer."))
    await say(page, "second, rephrased")
    await expect(page.get_by_text("Rephrased answer.")).to_be_visible()
    said = [m["content"] for m in llm.requests[-1]["messages"] if m["role"] == "user"]
    assert "second, rephrased" in str(said) and "second question" not in str(said)

    # The model picker: the new model answers one probe, then the thread's next turn.
    llm.add(Turn(content="OK"), Turn(content="The other model here."))
    await page.get_by_label("Model").fill("openai/other-model")
    await page.get_by_label("Model").press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Model: openai/other-model")
    await say(page, "who are you?")
    await expect(page.get_by_text("The other model here.")).to_be_visible()
    assert llm.requests[-1]["model"] == "other-model"
    await page.get_by_label("Effort").select_option("high")
    await expect(page.get_by_role("status")).to_contain_text("Effort: high for this thread")
    await page.reload()
    await expect(page.get_by_label("Model")).to_have_value("openai/other-model")
    await expect(page.get_by_label("Effort")).to_have_value("high")

    # Fork: a copy to go another way; the original stays as it was.
    original = thread_of(page)
    row = page.locator(".thread-list li", has_text="first question")
    await row.get_by_role("button", name="Fork thread").click()
    await expect(page.locator("#thread-title")).to_have_text("first question (fork)")
    fork = thread_of(page)
    assert fork != original
    with ThreadIndex(isolated_home / "threads.sqlite") as index:  # `ml-intern threads list`
        forked, source = index.get(fork), index.get(original)
    assert forked is not None and source is not None
    assert forked.title == "first question (fork)"
    assert forked.model == source.model == "openai/other-model"
    assert forked.cwd == source.cwd
    await expect(page.get_by_text("The other model here.")).to_be_visible()
    # The fork reads a long file: the full output goes to the thread's spill directory.
    (workspace / "long.txt").write_text("".join(f"line {n} " + "x" * 60 + "\n" for n in range(900)))
    llm.add(Turn(tool_calls=[read_call("r1", "long.txt")]), Turn(content="Only in the fork."))
    await say(page, "go another way")
    await expect(page.get_by_text("Only in the fork.")).to_be_visible()
    spill = isolated_home / "spill" / fork
    assert [p.name for p in spill.iterdir()] == ["r1.txt"]
    await page.locator(".thread", has_text="first question").last.click()
    await expect(page.locator("#thread-title")).to_have_text("first question")
    await expect(page.get_by_text("The other model here.")).to_be_visible()
    await expect(page.get_by_text("Only in the fork.")).to_have_count(0)

    # Delete the fork from the list: gone from the page, the server, and what
    # `ml-intern threads delete` removes (the index row, the spill files).
    assert fork in listed_threads(isolated_home, workspace)
    row = page.locator(".thread-list li", has_text="(fork)")
    await row.get_by_role("button", name="Delete thread").click()
    await expect(page.locator(".thread")).to_have_count(1)
    with httpx.Client(base_url=web, trust_env=False, timeout=10) as client:
        assert client.get(f"/threads/{fork}").status_code == 404
        assert client.get(f"/threads/{original}").status_code == 200
    assert not spill.exists()
    assert listed_threads(isolated_home, workspace) == [original]
    assert script_errors(page) == []


async def taken_once_free(lock: ThreadLock) -> ThreadLock:
    """Take a thread's lock as the CLI would, once the server's run has let go of it (the
    answer shows before the run's last checkpoint and its release)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            lock.acquire()
            return lock
        except ThreadBusyError:
            assert time.monotonic() < deadline, "the server never let go of the thread"
            await asyncio.sleep(0.05)


@pytest.mark.timeout(300)
async def test_stop_busy_thread_malformed_decision_unknown_thread_closed_tab(
    browser: Browser, llm: ScriptedLLMServer, web: str, workspace: Path, session_root: Path
) -> None:
    served_home = session_root / "ml-intern-home"  # the shared server's
    # An unknown thread in the URL: a clear state, and a way out.
    page = await open_page(browser, f"{web}/#thread={uuid.uuid4()}")
    await expect(page.get_by_text("No such thread").first).to_be_visible()
    await page.get_by_role("button", name="Start a new thread").click()
    await expect(page.get_by_text("What should we work on?")).to_be_visible()

    # Stop: the running command is killed, the stop shows, and the thread goes on.
    llm.add(Turn(tool_calls=[bash("s1", "echo started && sleep 60 && touch never.txt")]))
    await say(page, "a long job")
    await page.get_by_role("button", name="Approve").click()
    card = page.locator("details.tool[data-call=s1]")
    await expect(card.locator("pre.progress")).to_contain_text("started")
    await page.get_by_role("button", name="Stop").click()
    await expect(page.get_by_text("Stopped by you.")).to_be_visible()
    await expect(card.locator(".tool-status")).to_have_text("cancelled")
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()
    llm.add(Turn(content="Going on."))
    await say(page, "go on")
    await expect(page.get_by_text("Going on.")).to_be_visible()
    assert tool_messages(llm)[-1].startswith("[cancelled]")
    await expect(page.get_by_text("Stopped by you.")).to_have_count(0)

    # A thread the CLI is running: refused with the reason, the message kept.
    thread_id = thread_of(page)
    cli_lock = await taken_once_free(ThreadLock(served_home, thread_id))
    try:
        await say(page, "are you there?")
        await expect(page.get_by_role("alert")).to_contain_text("already running in another")
        await expect(page.get_by_label("Message")).to_have_value("are you there?")
    finally:
        cli_lock.release()
    llm.add(Turn(content="Here now."))
    await page.get_by_role("button", name="Send").click()
    await expect(page.get_by_text("Here now.")).to_be_visible()

    # A malformed answer to an approval: a clear 422, and the approval is still there.
    llm.add(Turn(tool_calls=[bash("a1", "touch approved.txt")]))
    await say(page, "make approved.txt")
    await expect(page.get_by_role("button", name="Approve")).to_be_visible()
    runs = f"/threads/{thread_id}/runs/wait"
    with httpx.Client(base_url=web, trust_env=False, timeout=30) as client:
        for resume, complaint in [
            ({"decisions": [{"type": "maybe"}]}, '"type" must be one of'),
            ({"decisions": [{"type": "approve"}, {"type": "approve"}]}, "Expected 1 decision"),
            ({"decisions": "approve"}, "one decision per pending request"),
            ({"decisions": [{"type": "edit", "args": "rm -rf /"}]}, "an edit needs the new"),
        ]:
            body = {"assistant_id": "ml_intern", "command": {"resume": resume}}
            answer = client.post(runs, json=body)
            assert answer.status_code == 422, answer.text
            assert complaint in answer.json()["detail"]
        state = client.get(f"/threads/{thread_id}/state").json()
        assert state["interrupts"] or any(t["interrupts"] for t in state["tasks"])
    assert not (workspace / "approved.txt").exists()

    # Settings changed while the approval waits: kept for the next step, as the CLI does.
    llm.add(Turn(content="OK"))  # the new model answers its probe
    await page.get_by_label("Model").fill("openai/other-model")
    await page.get_by_label("Model").press("Enter")
    await expect(page.get_by_role("status")).to_contain_text(
        "Model: openai/other-model from the next step, once you answer the approval"
    )
    await page.get_by_label("Effort").select_option("high")
    await expect(page.get_by_role("status")).to_contain_text("Effort: high from the next step")
    await expect(page.get_by_role("alert")).to_be_hidden()
    await expect(page.get_by_label("Model")).to_have_value("openai/other-model")
    llm.add(Turn(content="Approved it."))
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_text("Approved it.")).to_be_visible()
    assert (workspace / "approved.txt").exists()
    assert llm.requests[-1]["model"] == "other-model"  # the step after the approval
    assert "touch approved.txt" in str(llm.requests[-1]["messages"])
    await page.reload()
    await expect(page.get_by_label("Model")).to_have_value("openai/other-model")
    await expect(page.get_by_label("Effort")).to_have_value("high")

    # A tab closed during a run: the run finishes on the server; a reload shows it. The
    # model answers once the tab is closed.
    asked, answer = len(llm.requests), threading.Event()
    llm.add(Turn(content="Finished while you were away.", gate=answer))
    await say(page, "take your time")
    await expect(page.get_by_text("Working…")).to_be_visible()
    await until(lambda: len(llm.requests) > asked)  # the model is answering: mid-run
    url = page.url
    await page.context.close()
    answer.set()
    page = await open_page(browser, url)
    await expect(page.get_by_text("Finished while you were away.")).to_be_visible()
    await expect(page.locator(".msg.user", has_text="take your time")).to_have_count(1)
    assert len(llm.requests) == asked + 1  # the run was not started again
    assert script_errors(page) == []
