"""A small model's change sent with the `read` of its own file waits until it has seen the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage

from adaptations.calls.blind_edit import AFTER_BLIND, BLIND_CHANGE, HOW, blind_answers
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.local.read import read_rule
from tools.policy import PolicyContext, file_rule, judge_reply

TRAIN = 'labels = labels[1:] + labels[:1]\nprint("accuracy", 0.5)\n'
READ = {"name": "read", "arguments": {"path": "train.py"}}
GUESSED = {  # written before the file was seen: its `old_str` is not in train.py
    "name": "edit",
    "arguments": {"path": "train.py", "old_str": "accuracy = 0.500", "new_str": "accuracy = 0.9"},
}
RUN = {"name": "bash", "arguments": {"command": "echo ran >> count.txt"}}
FIX = {
    "name": "edit",
    "arguments": {"path": "train.py", "old_str": "labels[1:] + labels[:1]", "new_str": "labels"},
}


def call(call_id: str, name: str, **args: object) -> dict[str, object]:
    return {"id": call_id, "name": name, "args": args}


def test_the_held_calls_notes_snapshot() -> None:
    edit = BLIND_CHANGE.format(tool="edit", path="train.py", how=HOW["edit"])
    check_snapshot("blind_edit.md", edit + "\n" + AFTER_BLIND.format(tool="edit") + "\n")


RULES = {"read": read_rule(None), "edit": file_rule("write", None, "new_str")}
RULES |= {"write": file_rule("write", None, "content"), "grep": file_rule("read", None)}


def blind_changes(calls: list[dict[str, object]]) -> dict[str, ToolMessage]:
    """The answers to the calls the rule has the policy deny as blind in one reply."""
    return blind_answers(calls, RULES)


def test_only_a_change_to_a_file_read_earlier_in_the_same_reply_is_held() -> None:
    read, edit = call("1", "read", path="./src/a.py"), call("2", "edit", path="src/a.py")
    after = call("3", "bash", command="python3 src/a.py")
    held = blind_changes([read, edit, after])
    assert set(held) == {"2", "3"} and all(isinstance(m, ToolMessage) for m in held.values())
    assert "before you had seen the file" in str(held["2"].content)
    assert str(held["3"].content) == AFTER_BLIND.format(tool="edit")
    # Another file read, the change first, a search of the file or a write of a new file:
    # all run; a tool the catalog does not hold after a held change is held too.
    assert blind_changes([call("1", "read", path="b.py"), call("2", "edit", path="a.py")]) == {}
    assert blind_changes([call("2", "edit", path="a.py"), call("1", "read", path="a.py")]) == {}
    searched = [call("1", "grep", pattern="x", path="a.py"), call("2", "edit", path="a.py")]
    assert blind_changes(searched) == {}
    assert set(blind_changes([read, call("2", "write", path="src/a.py")])) == {"2"}
    assert set(blind_changes([read, edit, call("3", "nope")])) == {"2", "3"}


def test_the_policy_holds_nothing_while_the_rule_is_off() -> None:
    calls = [call("1", "read", path="a.py"), call("2", "edit", path="a.py")]
    reasons = [d.reason for d in judge_reply(calls, RULES, PolicyContext())]
    assert "rule" not in reasons
    denied = judge_reply(calls, RULES, PolicyContext(), blind_changes(calls).keys())
    assert [d.verdict for d in denied] == ["auto", "deny"]


async def test_a_small_models_guessed_edit_waits_for_the_read_and_the_next_edit_runs(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen on shifted-labels: `read`, a made-up `edit` and a run in one reply, then prose."""
    (workspace / "train.py").write_text(TRAIN)
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(tool_calls=[READ, GUESSED, RUN]), Turn(tool_calls=[FIX]), Turn(content="Fixed."))
    small = "llamacpp/qwen2.5-coder-1.5b"  # off by default (never fired on dev): switched on
    settings = fast_settings(None, model_name=small, adaptations={small: {"blind-edit": True}})
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Find the bug in train.py and fix it."))
    assert not (workspace / "count.txt").exists()  # the run after the held edit did not run
    assert (workspace / "train.py").read_text() == 'labels = labels\nprint("accuracy", 0.5)\n'
    results = [m for m in llm.requests[1]["messages"] if m["role"] == "tool"]
    assert "labels[1:] + labels[:1]" in results[0]["content"]  # the read, in call order
    assert results[1]["content"].startswith("Not run: you sent this `edit` in the same reply")
    assert results[2]["content"] == AFTER_BLIND.format(tool="edit")
    assert events[-1].data["final_text"] == "Fixed."


async def test_a_large_model_reading_and_editing_in_one_reply_runs_every_call(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "train.py").write_text(TRAIN)
    llm.add(Turn(tool_calls=[READ, FIX, RUN]), Turn(content="Fixed."))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("Find the bug in train.py and fix it."))
    assert (workspace / "count.txt").read_text() == "ran\n"
    assert (workspace / "train.py").read_text().startswith("labels = labels\n")
