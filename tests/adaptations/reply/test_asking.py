"""How the next reply is asked for: as it is, or, when the model must answer, retold and without
calls (the `answer-now` rule's `before_model` and `after_model`; `text-tool-calls` makes calls
written as text real)."""

from __future__ import annotations

from pathlib import Path

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from adaptations.calls.repeat_call import REPEAT
from adaptations.hooks import ModelStep, Shape
from adaptations.registry import BY_NAME
from adaptations.turn import new_turn
from configs.model_profile import profile_of
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


def step() -> ModelStep:
    profile = profile_of("llamacpp/small", env={})
    return ModelStep(profile, Shape(), HISTORY, HISTORY, list(HISTORY), new_turn("t"), Path("."))


def test_without_rules_the_prompt_is_sent_as_built_and_the_reply_kept() -> None:
    asked = step()
    assert (asked.prompt, asked.ahead, asked.kwargs) == (HISTORY, [], {})
    reply = AIMessage(content='<tool_call>{"name": "read", "arguments": {}}</tool_call>')
    assert BY_NAME["answer-now"].after_model(asked, reply) is reply
    made = BY_NAME["text-tool-calls"].after_model(asked, reply)
    assert made.tool_calls[0]["name"] == "read"


def test_a_model_that_repeated_a_call_must_answer_without_calls() -> None:
    asked = step()
    BY_NAME["answer-now"].before_model(asked)
    assert asked.answer_now and asked.kwargs == {"tool_choice": "none"}
    assert len(asked.prompt) == 2 and "Do not call a tool." in str(asked.prompt[-1].content)
    reply = AIMessage(content="A.", tool_calls=[{**CALL, "id": "c3"}])
    kept = BY_NAME["answer-now"].after_model(asked, reply)
    assert BY_NAME["text-tool-calls"].after_model(asked, kept).tool_calls == []
