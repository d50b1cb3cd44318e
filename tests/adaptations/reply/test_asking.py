"""How the next reply is asked for: as it is, or, when the model must answer, retold and without calls."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from adaptations.calls.repeat_call import REPEAT
from adaptations.reply.asking import asking
from models.messages import MARKER

CALL = {"name": "read", "args": {"path": "a.txt"}, "id": "c1", "type": "tool_call"}
HISTORY = [
    HumanMessage(content="What is in a.txt?"),
    AIMessage(content="", tool_calls=[CALL]),
    ToolMessage(content="1\tA.", tool_call_id="c1", name="read"),
    AIMessage(content="", tool_calls=[{**CALL, "id": "c2"}]),
    ToolMessage(
        content="again", tool_call_id="c2", name="read", additional_kwargs={MARKER: REPEAT}
    ),
]


def test_without_rules_the_prompt_is_sent_as_built_and_the_reply_kept() -> None:
    asked = asking(frozenset(), HISTORY, HISTORY, {})
    assert (asked.prompt, asked.ahead, asked.kwargs) == (HISTORY, [], {})
    reply = AIMessage(content='<tool_call>{"name": "read", "arguments": {}}</tool_call>')
    assert asked.reply(reply, text_calls=False) is reply
    assert asked.reply(reply, text_calls=True).tool_calls[0]["name"] == "read"


def test_a_model_that_repeated_a_call_must_answer_without_calls() -> None:
    asked = asking(frozenset({"answer-now"}), HISTORY, HISTORY, {})
    assert asked.answer_now and asked.kwargs == {"tool_choice": "none"}
    assert len(asked.prompt) == 2 and "Do not call a tool." in str(asked.prompt[-1].content)
    reply = AIMessage(content="A.", tool_calls=[{**CALL, "id": "c3"}])
    assert asked.reply(reply, text_calls=True).tool_calls == []
