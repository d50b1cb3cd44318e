"""A call on a file runs after the earlier calls of its reply that change that file, and a
changing call after the earlier calls on its file; other calls still run side by side
(nodes/call_order.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from nodes.call_order import after, expect, finished, waits_for
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

CHANGES = {"bash", "edit", "write"}.__contains__


def test_a_call_on_a_file_waits_for_the_earlier_calls_on_it_when_either_changes_it() -> None:
    before = [
        {"id": "r", "name": "read", "path": "train.py"},
        {"id": "n", "name": "read", "path": "notes.md"},
        {"id": "e", "name": "edit", "path": "train.py"},
        {"id": "b", "name": "bash", "path": None},
    ]

    def call(name: str, path: str | None) -> dict[str, object]:
        return {"id": "x", "name": name, "args": {"path": path} if path else {"command": "ls"}}

    assert waits_for(call("edit", "./train.py"), before, CHANGES) == ["r", "e"]
    assert waits_for(call("read", "train.py"), before, CHANGES) == ["e"]  # reads side by side
    assert waits_for(call("write", "notes.md"), before, CHANGES) == ["n"]
    assert waits_for(call("bash", None), before, CHANGES) == []  # names no file: as designed


async def test_a_call_starts_once_the_calls_it_waits_for_finish_and_never_waits_on_unknown_ones() -> (
    None
):
    expect(["first", "second"])
    second = asyncio.ensure_future(after(["first", "never-sent"]))
    await asyncio.sleep(0)  # one turn of the loop: it is waiting, not done
    assert not second.done()
    finished("first")
    await asyncio.wait_for(second, 5)
    await asyncio.wait_for(after(["first"]), 5)  # finished ones are not waited for again


async def test_a_large_models_read_and_edit_of_one_file_run_in_the_order_sent(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    """Sent together, a read of train.py, a read of notes.md and an edit of train.py: the edit
    starts once the read of train.py has finished (side by side it could come first and be
    refused as unread); the two reads start together."""
    (workspace / "train.py").write_text("print('accuracy', 0.5)\n")
    (workspace / "notes.md").write_text("notes\n")
    read = {"name": "read", "arguments": {"path": "train.py"}}
    notes = {"name": "read", "arguments": {"path": "notes.md"}}
    fix = {"name": "edit", "arguments": {"path": "train.py", "old_str": "0.5", "new_str": "0.9"}}
    llm.add(Turn(tool_calls=[read, notes, fix]), Turn(content="Fixed."))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("Fix train.py."))
    changes = [e.data for e in events if e.type == "tool_state_change"]
    order = [(c["tool_call_id"], c["state"]) for c in changes]
    ids = [c["tool_call_id"] for c in changes if c["state"] == "running"]
    assert [c["tool"] for c in changes if c["state"] == "running"] == ["read", "read", "edit"]
    assert order[:2] == [(ids[0], "running"), (ids[1], "running")]  # the reads together
    assert order.index((ids[0], "done")) < order.index((ids[2], "running"))
    assert (workspace / "train.py").read_text() == "print('accuracy', 0.9)\n"
    assert events[-1].data["final_text"] == "Fixed."
