"""Tool calls a local model wrote as text become real calls; malformed ones become errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import AIMessage

from nodes.call_arguments import RAW_ARGUMENTS
from nodes.text_tool_calls import wants_text_calls, with_text_calls
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results

TAGGED = 'Let me look.\n<tool_call>\n{"name": "read", "arguments": {"path": "a.txt"}}\n</tool_call>'
FENCED = 'I will read it:\n```json\n{"name": "read", "parameters": {"path": "a.txt"}}\n```'


@pytest.mark.parametrize("text", [TAGGED, FENCED])
def test_textual_calls_become_real_calls(text: str) -> None:
    made = with_text_calls(AIMessage(content=text))
    [call] = made.tool_calls
    assert call["name"] == "read" and call["args"] == {"path": "a.txt"}
    assert call["id"].startswith("call_text_") and "{" not in made.content


def test_two_tagged_calls_and_double_encoded_arguments() -> None:
    text = (
        '<tool_call>{"name": "glob", "arguments": "{\\"pattern\\": \\"*.py\\"}"}</tool_call>'
        '<tool_call>{"name": "read", "arguments": {"path": "b"}}</tool_call>'
    )
    made = with_text_calls(AIMessage(content=text))
    assert [(c["name"], c["args"]) for c in made.tool_calls] == [
        ("glob", {"pattern": "*.py"}),
        ("read", {"path": "b"}),
    ]


def test_malformed_tagged_calls_become_calls_the_model_is_told_about() -> None:
    made = with_text_calls(
        AIMessage(content='<tool_call>{"name": "read", "arguments": {path: a}</tool_call>')
    )
    [call] = made.tool_calls
    assert call["name"] == "read" and RAW_ARGUMENTS in call["args"]


@pytest.mark.parametrize(
    "text",
    [
        "Plain answer, no calls.",
        '```json\n{"learning_rate": 2e-5, "epochs": 3}\n```',  # JSON, but not a call
        "```json\n{not json at all}\n```",
    ],
)
def test_ordinary_text_and_json_are_left_alone(text: str) -> None:
    assert with_text_calls(AIMessage(content=text)).tool_calls == []


def test_on_for_local_servers_and_configurable_per_model() -> None:
    assert wants_text_calls("llamacpp/qwen2.5-coder", {})
    assert not wants_text_calls("anthropic/claude-sonnet-4-5-20250929", {})
    assert wants_text_calls("openai/my-finetune", {"openai/my-finetune": True})
    assert not wants_text_calls("ollama/llama3.1", {"ollama/llama3.1": False})


async def test_a_local_model_writing_calls_as_text_still_uses_tools(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "a.txt").write_text("lr=3e-4\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(
        Turn(content=TAGGED),
        Turn(content='<tool_call>{"name": "read", "arguments": {path}</tool_call>'),
        Turn(content="The file sets lr=3e-4."),
    )
    settings = fast_settings(None, model_name="llamacpp/qwen2.5-coder-1.5b")
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("what lr does a.txt set?"))
    _, second, third = llm.requests
    [(read_id, read)] = tool_results(second).items()
    assert "lr=3e-4" in read
    [bad] = [text for call_id, text in tool_results(third).items() if call_id != read_id]
    assert "not a valid JSON object" in bad
    for request in llm.requests:
        assert_valid_tool_pairing(request["messages"])
    assert events[-1].data["final_text"] == "The file sets lr=3e-4."
