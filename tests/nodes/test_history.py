"""History repair and turn bookkeeping: what the provider is sent must always be a valid transcript."""

from __future__ import annotations

import random
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from models.messages import note
from nodes.history import (
    INTERRUPTED,
    current_turn_id,
    earlier_calls,
    pending_tool_calls,
    repair_orphans,
)


def call(call_id: str, name: str = "bash", **args: Any) -> dict[str, Any]:
    return {"name": name, "args": args or {"command": "ls"}, "id": call_id, "type": "tool_call"}


def ai(*call_ids: str, text: str = "") -> AIMessage:
    return AIMessage(content=text, tool_calls=[call(i) for i in call_ids])


def result(call_id: str, content: str | None = None) -> ToolMessage:
    return ToolMessage(content=content or f"result of {call_id}", tool_call_id=call_id)


def user(text: str, msg_id: str | None = None) -> HumanMessage:
    return HumanMessage(content=text, id=msg_id)


def assert_valid(messages: list[AnyMessage]) -> None:
    """Every AI tool call is answered exactly once, directly after its AI message, in call order."""
    i = 0
    while i < len(messages):
        message = messages[i]
        assert not isinstance(message, ToolMessage), f"stray ToolMessage at {i}: {message}"
        i += 1
        if isinstance(message, AIMessage) and message.tool_calls:
            ids = [c["id"] for c in message.tool_calls]
            following = messages[i : i + len(ids)]
            assert all(isinstance(m, ToolMessage) for m in following), following
            assert [m.tool_call_id for m in following] == ids
            i += len(ids)


# --- repair_orphans -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "history",
    [
        [],
        [user("hi")],
        [user("hi"), AIMessage(content="hello")],
        [user("hi"), ai("c1"), result("c1"), AIMessage(content="done")],
        [
            user("hi"),
            ai("c1", "c2"),
            result("c1"),
            result("c2"),
            user("next"),
            ai("c3"),
            result("c3"),
        ],
        [
            SystemMessage(content="sys"),
            user("hi"),
            note("summary", "earlier"),
            ai("c1"),
            result("c1"),
        ],
    ],
)
def test_intact_history_is_returned_unchanged(history: list[AnyMessage]) -> None:
    assert repair_orphans(history) == history


def test_missing_result_gets_an_interrupted_message_before_the_next_user_message() -> None:
    history = [user("train"), ai("c1", "c2"), result("c1", "ok"), user("stop, do this instead")]
    repaired = repair_orphans(history)
    assert [type(m).__name__ for m in repaired] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "ToolMessage",
        "HumanMessage",
    ]
    assert repaired[2].content == "ok"
    filler = repaired[3]
    assert isinstance(filler, ToolMessage)
    assert filler.tool_call_id == "c2"
    assert filler.name == "bash"
    assert filler.status == "error"
    assert filler.content == INTERRUPTED
    assert "interrupted" in filler.content
    assert repaired[4].content == "stop, do this instead"
    assert_valid(repaired)


def test_all_calls_unanswered_at_the_end_of_history() -> None:
    repaired = repair_orphans([user("go"), ai("c1", "c2")])
    assert [m.tool_call_id for m in repaired[2:]] == ["c1", "c2"]
    assert all(m.content == INTERRUPTED for m in repaired[2:])
    assert_valid(repaired)


def test_late_result_is_moved_right_after_its_ai_message() -> None:
    late = result("c1", "finished late")
    history = [user("go"), ai("c1"), user("hurry up"), late, AIMessage(content="ok")]
    assert repair_orphans(history) == [
        user("go"),
        ai("c1"),
        late,
        user("hurry up"),
        AIMessage(content="ok"),
    ]


def test_results_out_of_order_follow_the_order_of_the_calls() -> None:
    history = [user("go"), ai("c1", "c2", "c3"), result("c3"), result("c1"), result("c2")]
    repaired = repair_orphans(history)
    assert [m.tool_call_id for m in repaired[2:]] == ["c1", "c2", "c3"]
    assert [m.content for m in repaired[2:]] == ["result of c1", "result of c2", "result of c3"]


def test_result_without_a_call_is_dropped() -> None:
    history = [user("go"), result("ghost"), ai("c1"), result("c1"), result("cut-by-compaction")]
    assert repair_orphans(history) == [user("go"), ai("c1"), result("c1")]


def test_duplicate_results_for_one_call_keep_only_one() -> None:
    history = [user("go"), ai("c1"), result("c1", "first"), result("c1", "again")]
    repaired = repair_orphans(history)
    assert len(repaired) == 3
    assert_valid(repaired)


def test_repair_does_not_modify_its_input() -> None:
    history = [user("go"), ai("c1", "c2"), user("again")]
    snapshot = list(history)
    repair_orphans(history)
    assert history == snapshot


def _damaged_history(rng: random.Random) -> list[AnyMessage]:
    """A plausible history, then damaged: results dropped, moved, duplicated, orphans added."""
    messages: list[AnyMessage] = [user("start")]
    n = 0
    for _ in range(rng.randint(1, 8)):
        kind = rng.random()
        if kind < 0.2:
            messages.append(user(f"u{len(messages)}"))
        elif kind < 0.3:
            messages.append(note("doom_guard", "repeating"))
        elif kind < 0.4:
            messages.append(AIMessage(content="thinking"))
        else:
            ids = [f"c{n + k}" for k in range(rng.randint(1, 3))]
            n += len(ids)
            messages.append(ai(*ids))
            messages.extend(result(i) for i in ids)
    tool_positions = [i for i, m in enumerate(messages) if isinstance(m, ToolMessage)]
    for i in sorted(rng.sample(tool_positions, k=len(tool_positions) // 3), reverse=True):
        messages.pop(i)  # lost to a crash or cancel
    tools = [m for m in messages if isinstance(m, ToolMessage)]
    for moved in rng.sample(tools, k=len(tools) // 3):
        messages.remove(moved)
        messages.insert(rng.randint(0, len(messages)), moved)
    for k in range(rng.randint(0, 2)):
        messages.insert(rng.randint(0, len(messages)), result(f"orphan{k}"))
    return messages


@pytest.mark.parametrize("seed", range(40))
def test_repaired_history_is_always_valid(seed: int) -> None:
    history = _damaged_history(random.Random(seed))
    repaired = repair_orphans(history)
    assert_valid(repaired)
    # Non-tool messages survive in their original order.
    assert [m for m in repaired if not isinstance(m, ToolMessage)] == [
        m for m in history if not isinstance(m, ToolMessage)
    ]
    # Real results are kept, never replaced by the interrupted filler.
    real = {m.tool_call_id: m.content for m in history if isinstance(m, ToolMessage)}
    for m in repaired:
        if isinstance(m, ToolMessage) and m.tool_call_id in real:
            assert m.content == real[m.tool_call_id]
    assert repair_orphans(repaired) == repaired


def test_reused_call_id_in_a_later_ai_message_keeps_its_own_result() -> None:
    history = [
        user("poll the job"),
        ai("same-id"),
        result("same-id", "pending"),
        ai("same-id"),
        result("same-id", "finished"),
    ]
    assert repair_orphans(history) == history


# --- pending_tool_calls -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "pending_ids"),
    [
        ([], []),
        ([user("hi")], []),
        ([user("hi"), AIMessage(content="hello")], []),
        ([user("hi"), ai("c1", "c2")], ["c1", "c2"]),
        ([user("hi"), ai("c1", "c2"), result("c2")], ["c1"]),
        ([user("hi"), ai("c1", "c2"), result("c1"), result("c2")], []),
        ([user("hi"), ai("c1"), result("c1"), ai("c2")], ["c2"]),  # only the last AI message
        ([user("hi"), ai("c1"), user("never mind")], []),  # the user moved on
    ],
)
def test_pending_tool_calls(history: list[AnyMessage], pending_ids: list[str]) -> None:
    pending = pending_tool_calls(history)
    assert [c["id"] for c in pending] == pending_ids


def test_pending_tool_calls_return_name_and_args_as_plain_dicts() -> None:
    message = AIMessage(content="", tool_calls=[call("c1", name="write", path="a.txt")])
    [pending] = pending_tool_calls([user("hi"), message])
    assert pending["name"] == "write"
    assert pending["args"] == {"path": "a.txt"}
    pending["args"] = {}
    assert message.tool_calls[0]["args"] == {"path": "a.txt"}


# --- current_turn_id ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "turn_id"),
    [
        ([], ""),
        ([note("summary", "s")], ""),
        ([user("a", "u1")], "u1"),
        ([user("a", "u1"), AIMessage(content="x"), user("b", "u2"), ai("c1"), result("c1")], "u2"),
        ([user("a", "u1"), ai("c1"), result("c1"), note("doom_guard", "stop")], "u1"),
        ([user("a", "u1"), AIMessage(content="x"), user("b")], "idx-2"),
    ],
)
def test_current_turn_id(history: list[AnyMessage], turn_id: str) -> None:
    assert current_turn_id(history) == turn_id


def test_a_runtime_note_does_not_start_a_new_turn() -> None:
    history: list[AnyMessage] = [user("a", "u1"), ai("c1"), result("c1")]
    before = current_turn_id(history)
    assert current_turn_id([*history, note("doom_guard", "stop"), note("summary", "s")]) == before
    assert current_turn_id([*history, user("b", "u2")]) != before


def test_a_replay_gets_the_calls_of_its_tool_that_ran_from_the_last_restart_on() -> None:
    def ran(call_id: str, status: str = "success", text: str = "ok") -> ToolMessage:
        return ToolMessage(content=text, tool_call_id=call_id, status=status)  # type: ignore[arg-type]

    history: list[AnyMessage] = [
        AIMessage(content="", tool_calls=[call("p0", "python", code="old = 1")]),
        ran("p0"),
        AIMessage(content="", tool_calls=[call("p1", "python", code="x = 1", restart=True)]),
        ran("p1"),
        AIMessage(content="", tool_calls=[call("b1"), call("p2", "python", code="bad(")]),
        ran("b1"),
        ran("p2", "error", "Invalid arguments for `python`"),
        AIMessage(content="", tool_calls=[call("p3", "python", code="y = 2")]),
        ran("p3", "success", "The user rejected this call; it was not run."),
        AIMessage(content="", tool_calls=[call("p4", "python", code="1 / 0")]),
        ran("p4", "success", "ZeroDivisionError"),
        AIMessage(content="", tool_calls=[call("p5", "python", code="z = 3")]),  # unanswered
    ]
    assert earlier_calls(history, "python") == [
        {"id": "p1", "code": "x = 1", "restart": True},
        {"id": "p4", "code": "1 / 0"},
    ]
