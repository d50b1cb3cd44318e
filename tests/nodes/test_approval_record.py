"""The approval record holds for exactly the call approval decided: its thread, the step after
approval's, its AI message, its id, tool and arguments; anything changed, it does not."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from configs.server_secret import derived_key
from nodes.approval_record import (
    LABEL,
    RECORD,
    Site,
    calling_message_id,
    detached,
    holds,
    record,
    refusal,
    with_record,
)

CALL = {"name": "bash", "id": "c1", "args": {"command": "ls", "timeout": 5}, "type": "tool_call"}


def config(thread: str | None = "t1", step: int | None = 4) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}, "metadata": {"langgraph_step": step}}


def approved(call: dict[str, Any] = CALL) -> dict[str, Any]:
    """A task as the graph sends it: the call approved at step 4 of t1, in message m1."""
    return {"call": call, RECORD: record(key(), Site.of_approval(config()), "m1", call)}


def key() -> bytes:
    return derived_key(LABEL)


def test_it_holds_in_the_step_after_approval_in_its_thread() -> None:
    assert holds(key(), approved(), Site.before(config(step=5)))
    reordered = {**CALL, "args": {"timeout": 5, "command": "ls"}}  # canonical JSON: same call
    assert holds(key(), {**approved(), "call": reordered}, Site.before(config(step=5)))


@pytest.mark.parametrize(
    "changed",
    [
        {"args": {"command": "rm -rf /", "timeout": 5}},
        {"args": {"command": "ls", "timeout": 5.5}},
        {"name": "bash2"},
        {"id": "c2"},
    ],
    ids=["command", "an argument", "tool", "call id"],
)
def test_a_changed_call_does_not_hold(changed: dict[str, Any]) -> None:
    task = {**approved(), "call": {**CALL, **changed}}
    assert not holds(key(), task, Site.before(config(step=5)))


def test_another_thread_another_step_or_another_message_does_not_hold() -> None:
    task = approved()
    assert not holds(key(), task, Site.before(config(thread="t2", step=5)))
    assert not holds(key(), task, Site.before(config(step=6)))  # sent again later
    assert not holds(key(), task, Site.before(config(step=4)))
    other_message = {**task, RECORD: {**task[RECORD], "message_id": "m2"}}
    assert not holds(key(), other_message, Site.before(config(step=5)))


@pytest.mark.parametrize(
    "task",
    [
        {"call": CALL},
        {"call": CALL, RECORD: None},
        {"call": CALL, RECORD: {"message_id": "m1"}},
        {"call": CALL, RECORD: {"message_id": 1, "mac": "00"}},
        {"call": "bash", RECORD: {"message_id": "m1", "mac": "00"}},
        {},
    ],
)
def test_a_missing_or_malformed_record_does_not_hold(task: dict[str, Any]) -> None:
    assert not holds(key(), task, Site.before(config(step=5)))


def test_a_key_of_another_server_does_not_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    task = approved()
    monkeypatch.setenv("ML_INTERN_SESSION_SECRET", "another server")
    assert not holds(key(), task, Site.before(config(step=5)))


def test_approved_calls_keep_the_record_beside_the_call() -> None:
    entry = with_record(key(), CALL, Site.of_approval(config()), "m1")
    call, kept = detached(entry)
    assert call == CALL and kept == record(key(), Site.of_approval(config()), "m1", CALL)


def test_the_calling_message_is_the_newest_ai_message() -> None:
    messages = [HumanMessage("hi", id="h"), AIMessage("", id="a1"), AIMessage("", id="a2")]
    assert calling_message_id(messages) == "a2"
    assert calling_message_id([HumanMessage("hi")]) == ""


def test_the_refusal_is_an_error_the_log_names_without_the_arguments(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret_call = {**CALL, "name": "bash\n\x1b[2J" + "x" * 200, "args": {"command": "cat key"}}
    with caplog.at_level(logging.WARNING):
        answer = refusal({"call": secret_call}, Site("t1", 5))
    assert answer.status == "error" and answer.tool_call_id == "c1"
    assert answer.content.startswith("Not run: not approved.")
    assert "\n" not in answer.name and "\x1b" not in answer.name and len(answer.name) <= 64
    [logged] = caplog.records
    assert logged.levelno == logging.WARNING and "c1" in logged.message
    assert "cat key" not in logged.message and "\x1b" not in logged.message
