"""The harness's message conventions: its own notes are never the user's words."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage

from models.messages import is_user_message, note


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (HumanMessage(content="hello"), True),
        (HumanMessage(content="hello", additional_kwargs={"other": 1}), True),
        (note("doom_guard", "stop repeating"), False),
        (note("summary", "earlier"), False),
        (note("length_note", "cut off"), False),
        (AIMessage(content="hi"), False),
        (ToolMessage(content="x", tool_call_id="c1"), False),
        (SystemMessage(content="sys"), False),
    ],
)
def test_is_user_message(message: AnyMessage, expected: bool) -> None:
    assert is_user_message(message) is expected
