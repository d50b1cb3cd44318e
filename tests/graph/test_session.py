"""Session lifecycle: undo, cancel, crash and resume, approvals across reopen."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, ToolMessage

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.cli_zygote import ZygotePopen
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.providers import PROVIDERS, Provider, serve
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def provider(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    with serve(request.param, monkeypatch) as wire:
        yield wire


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


def assert_no_orphans(messages: list) -> None:
    answered = [m.tool_call_id for m in messages if isinstance(m, ToolMessage)]
    calls = [c["id"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
    assert sorted(answered) == sorted(calls)


async def test_undo_restores_the_messages_before_the_last_user_turn(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(content="first answer"),
        Turn(tool_calls=[call("bash", "b1", command="echo two")]),
        Turn(content="second answer"),
        Turn(content="answer after undo"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("first question"))
        after_first = [m.content for m in await session.messages()]
        await collect(session.send("second question"))
        undo = await session.undo()
        assert undo.type == "undo_complete" and undo.data["undone_message"] == "second question"
        assert [m.content for m in await session.messages()] == after_first
        await collect(session.send("another question"))
        final = [m.content for m in await session.messages()]
    assert final == [*after_first, "another question", "answer after undo"]
    sent = [m.get("content") for m in llm.requests[-1]["messages"][1:-1]]  # no runtime note
    assert "second question" not in sent and sent[-1] == "another question"


async def test_undo_on_an_empty_thread_says_there_is_nothing_to_undo(workspace: Path) -> None:
    async with open_session(fast_settings("http://127.0.0.1:9"), workspace) as session:
        event = await session.undo()
    assert event.type == "error" and "Nothing to undo" in event.data["message"]


async def test_cancel_kills_the_running_tool_and_leaves_the_thread_valid(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("bash", "b1", command="echo $$ > pid; sleep 30")]),
        Turn(content="ok, stopped"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        seen: list[str] = []
        async for event in session.send("sleep"):
            seen.append(event.type)
            if event.type == "tool_state_change" and event.data["state"] == "running":
                for _ in range(100):
                    if (workspace / "pid").exists() and (workspace / "pid").read_text().strip():
                        break
                    await asyncio.sleep(0.05)
                session.cancel()
        pid = int((workspace / "pid").read_text())
        messages = await session.messages()
        assert "interrupted" in seen and seen[-1] == "turn_complete"
        assert_no_orphans(messages)
        assert "cancelled" in messages[-1].content
        assert not (await session.snapshot()).next
        events = await collect(session.send("what happened?"))
    assert events[-1].data["final_text"] == "ok, stopped"
    assert_valid_tool_pairing(llm.requests[-1]["messages"])
    time.sleep(0.2)
    assert not Path(f"/proc/{pid}").exists(), "the cancelled command's process survived"


@pytest.mark.parametrize("provider", PROVIDERS, indirect=True)
async def test_a_new_message_while_an_approval_is_pending_answers_the_calls(
    provider: Provider, workspace: Path
) -> None:
    llm = provider.server
    llm.add(Turn(tool_calls=[call("bash", "b1", command="touch x")]), Turn(content="fine, no file"))
    async with open_session(provider.settings(), workspace) as session:
        await collect(session.send("make x"))
        assert await session.pending_approval() is not None
        events = await collect(session.send("actually, don't"))
        assert await session.pending_approval() is None
    assert not (workspace / "x").exists()
    assert "new message" in provider.tool_results(llm.requests[1])["b1"]
    provider.check_pairing(llm.requests[1])
    assert provider.user_texts(llm.requests[1]) == ["make x", "actually, don't"]
    assert events[-1].data["final_text"] == "fine, no file"


@pytest.mark.parametrize("provider", PROVIDERS, indirect=True)
async def test_a_pending_approval_survives_closing_and_reopening(
    provider: Provider, workspace: Path
) -> None:
    llm = provider.server
    llm.add(Turn(tool_calls=[call("bash", "b1", command="touch later")]), Turn(content="made it"))
    settings = provider.settings()
    async with open_session(settings, workspace, thread_id="t-approval") as session:
        await collect(session.send("make later"))
    async with open_session(settings, workspace, thread_id="t-approval") as session:
        pending = await session.pending_approval()
        assert pending is not None and pending["action_requests"][0]["args"] == {
            "command": "touch later"
        }
        events = await collect(session.resume([{"type": "approve"}]))
    assert (workspace / "later").exists()
    assert events[-1].data["final_text"] == "made it"
    assert "b1" in provider.tool_results(llm.requests[1])


async def test_sigkill_during_a_slow_tool_then_resume_in_a_new_process(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path
) -> None:
    # First run: marker absent, so the command sleeps (and gets killed). The re-run finds the marker.
    script = "if [ -f marker ]; then echo resumed-after-crash; else touch marker; sleep 30; fi"
    llm.add(Turn(tool_calls=[call("bash", "b1", command=script)]), Turn(content="all done"))
    base = [sys.executable, "-m", "tests.fakes.run_session", "--thread", "crash-1"]
    base += ["--api-base", llm.url, "--workspace", str(workspace)]
    env = {**os.environ, "ML_INTERN_HOME": str(isolated_home)}
    first = ZygotePopen(  # a new process, forked from one that imported the libraries
        [*base, "--prompt", "run the slow thing"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None
        for line in first.stdout:
            event = json.loads(line)
            if event["type"] == "tool_state_change" and event["data"]["state"] == "running":
                break
        for _ in range(200):
            if (workspace / "marker").exists():
                break
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(timeout=10)
    assert len(llm.requests) == 1

    second = zygote_run(base, cwd=REPO, env=env, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    events = [json.loads(line) for line in second.stdout.splitlines()]
    assert events[-1]["type"] == "turn_complete" and events[-1]["data"]["final_text"] == "all done"
    assert "resumed-after-crash" in tool_results(llm.requests[1])["b1"]
    assert_valid_tool_pairing(llm.requests[1]["messages"])

    async with open_session(fast_settings(llm.url), workspace, thread_id="crash-1") as session:
        messages = await session.messages()
    assert [m.type for m in messages] == ["human", "ai", "tool", "ai"]
    assert_no_orphans(messages)
    db = sqlite3.connect(isolated_home / "threads.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


async def test_threads_are_listed_with_their_title_and_can_be_deleted(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="one"), Turn(content="two"))
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, thread_id="first") as session:
        await collect(session.send("train a tiny model\non my data"))
    async with open_session(settings, workspace, thread_id="second") as session:
        await collect(session.send("evaluate it"))
        listed = session.list_threads(cwd=str(workspace.resolve()))
        assert [t.thread_id for t in listed] == ["second", "first"]
        assert listed[1].title == "train a tiny model on my data"
        assert listed[0].model == "openai/scripted-model"
        await session.delete()
        assert not await session.exists()
        assert [t.thread_id for t in session.list_threads()] == ["first"]


async def test_switching_model_and_yolo_at_a_pending_approval_keeps_the_approval(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("bash", "b1", command="touch one")]),
        Turn(tool_calls=[call("bash", "b2", command="touch two")]),
        Turn(content="done on the other model"),
    )
    async with open_session(fast_settings(llm.url), workspace) as session:
        await collect(session.send("make files"))
        await session.set_model("openai/other-model")
        await session.set_yolo(True)
        assert await session.pending_approval() is not None
        assert not await session.has_unfinished_run()
        events = await collect(session.resume([{"type": "approve"}]))
    assert (workspace / "one").exists() and (workspace / "two").exists()  # yolo: b2 ran unasked
    assert [r["model"] for r in llm.requests] == ["scripted-model", "other-model", "other-model"]
    assert events[-1].data["final_text"] == "done on the other model"


async def test_a_turn_that_stops_without_text_reports_no_answer(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="first answer"), Turn(tool_calls=[call("bash", "b1", command="echo hi")]))
    async with open_session(
        fast_settings(llm.url), workspace, mode="headless", max_iterations=1
    ) as session:
        await collect(session.send("one"))
        events = await collect(session.send("two"))
    assert events[-1].data["stop_reason"] == "max_iterations"
    assert events[-1].data["final_text"] == ""


async def test_a_second_undo_goes_back_one_more_turn_not_to_the_undone_branch(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="a1"), Turn(content="a2"), Turn(content="a3"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        for question in ("q1", "q2", "q3"):
            await collect(session.send(question))
        assert (await session.undo()).data["undone_message"] == "q3"
        assert (await session.undo()).data["undone_message"] == "q2"
        assert [m.content for m in await session.messages()] == ["q1", "a1"]
        assert (await session.undo()).data["undone_message"] == "q1"
        assert await session.messages() == []


async def test_the_observer_sees_a_call_before_it_runs_and_cannot_stop_the_run(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("write", "w1", path="new.txt", content="x\n")]),
        Turn(tool_calls=[call("write", "w2", path="other.txt", content="y\n")]),
        Turn(content="done"),
    )
    seen: list[tuple[str, bool]] = []

    async def observer(event: object) -> None:
        if getattr(event, "type", "") != "tool_call":
            return
        for _ in range(50):  # every chance for the loop and worker threads to run the call
            await asyncio.to_thread(os.sched_yield)
        name = str(event.data["args"]["path"])  # type: ignore[attr-defined]
        seen.append((name, (workspace / name).exists()))
        if name == "other.txt":
            raise RuntimeError("an observer's own failure")

    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        session.observer = observer
        events = await collect(session.send("write two files"))
    assert seen == [("new.txt", False), ("other.txt", False)]
    assert (workspace / "other.txt").read_text() == "y\n"  # the failing look stopped nothing
    assert events[-1].data["final_text"] == "done"
