"""Loop detection: repeated (tool, args, result) fires; progress, even with the same call, never does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

from models.messages import note
from nodes.doom_check import detect_loop, signature, tool_signatures

A, B, C, D, E, F = (signature("bash", {"command": c}, "same output") for c in "abcdef")


def poll(i: int) -> str:
    return signature("bash", {"command": "squeue"}, f"pending {i}")


# --- signature ----------------------------------------------------------------------------------


def test_signature_ignores_argument_key_order() -> None:
    one = signature("edit", {"path": "a.py", "old": "x", "new": "y"}, "ok")
    two = signature("edit", {"new": "y", "old": "x", "path": "a.py"}, "ok")
    assert one == two


def test_signature_ignores_nested_key_order() -> None:
    one = signature("t", {"opts": {"a": 1, "b": [1, 2]}}, "r")
    two = signature("t", {"opts": {"b": [1, 2], "a": 1}}, "r")
    assert one == two


@pytest.mark.parametrize(
    ("other_name", "other_args", "other_result"),
    [
        ("bash", {"command": "squeue"}, "pending 2"),  # result changed
        ("bash", {"command": "squeue -u me"}, "pending 1"),  # args changed
        ("read", {"command": "squeue"}, "pending 1"),  # tool changed
        ("bash", {"command": "squeue", "timeout": 5}, "pending 1"),  # extra arg
    ],
)
def test_signature_differs_when_anything_differs(
    other_name: str, other_args: dict[str, Any], other_result: str
) -> None:
    base = signature("bash", {"command": "squeue"}, "pending 1")
    assert signature(other_name, other_args, other_result) != base


def test_signature_names_the_tool_and_accepts_non_json_args() -> None:
    sig = signature("bash", {"where": Path("/tmp/x"), "ids": {1, 2}}, None)
    assert sig.startswith("bash:")


# --- detect_loop --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signatures", "unit"),
    [
        ([], None),
        ([A], None),
        ([A, A], None),
        ([A, A, A], [A]),
        ([B, C, A, A, A], [A]),
        ([A, A, A, A, A], [A]),
        ([A, A, A, B], None),  # the loop was broken at the tail
        ([A, B, A], None),
        ([A, B, A, B], [A, B]),
        ([C, A, B, A, B], [A, B]),
        ([A, B, C, A, B, C], [A, B, C]),
        ([A, B, C, A, B], None),
        ([A, B, C, D, A, B, C, D], [A, B, C, D]),
        ([A, B, C, D, E, A, B, C, D, E], [A, B, C, D, E]),
        ([A, B, C, D, E, F, A, B, C, D, E, F], None),  # cycles longer than 5 are not tracked
        ([A, B, A, C], None),
        ([A, A, B, A, A, B], [A, A, B]),
    ],
)
def test_detect_loop_table(signatures: list[str], unit: list[str] | None) -> None:
    assert detect_loop(signatures) == unit


@pytest.mark.parametrize("size", [2, 3, 4, 5])
def test_every_cycle_of_two_to_five_calls_fires_on_its_second_round(size: int) -> None:
    cycle = [A, B, C, D, E][:size]
    history = [F, *cycle, *cycle]
    assert detect_loop(history) == cycle
    # One call short of the second full round: not yet a loop.
    assert detect_loop(history[:-1]) is None


def test_polling_with_a_changing_result_never_fires() -> None:
    signatures = [poll(i) for i in range(30)]
    for end in range(len(signatures) + 1):
        assert detect_loop(signatures[:end]) is None


def test_polling_fires_once_the_result_stops_changing() -> None:
    signatures = [poll(0), poll(1), poll(2), poll(3), poll(3), poll(3)]
    assert detect_loop(signatures) == [poll(3)]
    assert detect_loop(signatures[:-1]) is None


# --- tool_signatures ----------------------------------------------------------------------------


def call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def ai(*calls: dict[str, Any]) -> AIMessage:
    return AIMessage(content="", tool_calls=list(calls))


def result(call_id: str, content: str) -> ToolMessage:
    return ToolMessage(content=content, tool_call_id=call_id)


def polling_round(i: int, output: str) -> list[AnyMessage]:
    return [ai(call("bash", {"command": "squeue"}, f"c{i}")), result(f"c{i}", output)]


def test_tool_signatures_pairs_each_call_with_its_result_in_order() -> None:
    messages = [
        HumanMessage(content="train it"),
        ai(call("read", {"path": "a"}, "r1"), call("bash", {"command": "ls"}, "b1")),
        result("b1", "a b"),
        result("r1", "contents"),
        ai(call("bash", {"command": "squeue"}, "q1")),
        result("q1", "pending 0"),
    ]
    assert tool_signatures(messages) == [
        signature("read", {"path": "a"}, "contents"),
        signature("bash", {"command": "ls"}, "a b"),
        poll(0),
    ]


def test_tool_signatures_skips_calls_without_a_result() -> None:
    messages = [
        HumanMessage(content="go"),
        ai(call("bash", {"command": "squeue"}, "q1"), call("bash", {"command": "ls"}, "q2")),
        result("q1", "pending 0"),
    ]
    assert tool_signatures(messages) == [poll(0)]


def test_only_calls_after_the_last_user_message_count() -> None:
    messages = [
        HumanMessage(content="check the queue"),
        *polling_round(1, "pending 0"),
        *polling_round(2, "pending 0"),
        *polling_round(3, "pending 0"),
        HumanMessage(content="check again please"),
        *polling_round(4, "pending 0"),
        *polling_round(5, "pending 0"),
    ]
    assert tool_signatures(messages) == [poll(0), poll(0)]
    assert detect_loop(tool_signatures(messages)) is None
    assert detect_loop(tool_signatures(messages[:7])) == [poll(0)]


def test_only_calls_after_the_last_doom_guard_note_count() -> None:
    messages = [
        HumanMessage(content="check the queue"),
        *polling_round(1, "pending 0"),
        *polling_round(2, "pending 0"),
        *polling_round(3, "pending 0"),
        note("doom_guard", "You are repeating yourself"),
        *polling_round(4, "pending 0"),
        *polling_round(5, "pending 0"),
    ]
    assert tool_signatures(messages) == [poll(0), poll(0)]
    assert detect_loop(tool_signatures(messages)) is None
    messages += polling_round(6, "pending 0")
    assert detect_loop(tool_signatures(messages)) == [poll(0)]


def test_other_runtime_notes_do_not_reset_the_count() -> None:
    messages = [
        HumanMessage(content="check the queue"),
        *polling_round(1, "pending 0"),
        *polling_round(2, "pending 0"),
        note("length_note", "Your reply was cut off"),
        *polling_round(3, "pending 0"),
    ]
    assert detect_loop(tool_signatures(messages)) == [poll(0)]


def test_polling_history_with_changing_results_does_not_fire() -> None:
    messages: list[AnyMessage] = [HumanMessage(content="wait for the job")]
    for i in range(10):
        messages += polling_round(i, f"pending {i}")
        assert detect_loop(tool_signatures(messages)) is None
    assert tool_signatures(messages) == [poll(i) for i in range(10)]


def test_polling_with_reused_tool_call_ids_does_not_fire() -> None:
    # Some providers (and tests/fakes/scripted_model.tool_call, whose default id is derived
    # from name + args) reuse the same id for identical calls in different AI messages.
    messages: list[AnyMessage] = [HumanMessage(content="wait for the job")]
    for i in range(3):
        messages += [
            ai(call("bash", {"command": "squeue"}, "same-id")),
            result("same-id", f"pending {i}"),
        ]
    assert tool_signatures(messages) == [poll(0), poll(1), poll(2)]
    assert detect_loop(tool_signatures(messages)) is None
