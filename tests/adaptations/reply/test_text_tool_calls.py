"""Tool calls a local model wrote as text become real calls; malformed ones become errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import AIMessage

from adaptations.reply.text_tool_calls import with_text_calls
from configs.model_profile import profile_of
from configs.settings import Settings
from models.call_arguments import RAW_ARGUMENTS
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results

TAGGED = 'Let me look.\n<tool_call>\n{"name": "read", "arguments": {"path": "a.txt"}}\n</tool_call>'
FENCED = 'I will read it:\n```json\n{"name": "read", "parameters": {"path": "a.txt"}}\n```'
# Qwen2.5-Coder-1.5B behind llama.cpp's stock template (2026-11-23, bench/real_model.py
# --record): a fence, pretty-printed, with arguments the schema does not know about.
STOCK_REPLY = (
    '```json\n{\n  "name": "bash",\n  "arguments": {\n    "command": "python3 main.py",\n'
    '    "timeout": 120,\n    "description": "Run the main.py script in the workspace."\n  }\n}\n```'
)
SCHEMA_ANSWER = (
    "Here is the OpenAI function schema for your weather tool:\n\n"
    '```json\n{"name": "get_weather", "parameters": {"type": "object", "properties": '
    '{"city": {"type": "string"}}, "required": ["city"]}}\n```\n\n'
    "Pass it in `tools` when you call the API."
)


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
        SCHEMA_ANSWER,  # a function schema in an answer, for a tool that does not exist
        '{"name": "get_weather", "description": "Weather", "parameters": {"type": "object", '
        '"properties": {}}}',  # a bare schema
        '{"answer": 5}',  # JSON that names no tool and is not shaped like a call
        # A real tool's name, but the fence illustrates a longer answer.
        'To read a file the agent sends:\n```json\n{"name": "read", "arguments": {"path": '
        '"a.txt"}}\n```\nand gets its lines back, numbered.',
        "Short lead-in.\n\nThen a second paragraph.\n"
        '```json\n{"name": "read", "arguments": {"path": "a.txt"}}\n```',
    ],
)
def test_ordinary_text_and_json_are_left_alone(text: str) -> None:
    assert with_text_calls(AIMessage(content=text)).tool_calls == []


@pytest.mark.parametrize(
    "text",
    [
        '```json\n{"name": "list_files", "parameters": {"path": "."}}\n```',  # unknown name
        '{"name": "list_files", "arguments": {"path": "."}}',  # bare JSON
        '{{"name": "list_files", "arguments": {"path": "."}}}',  # the stock template's braces
    ],
)
def test_call_shaped_json_is_a_call_even_to_a_tool_that_does_not_exist(text: str) -> None:
    [call] = with_text_calls(AIMessage(content=text)).tool_calls
    assert call["name"] == "list_files" and call["args"] == {"path": "."}


async def test_an_invented_tool_gets_an_error_naming_the_closest_real_tools(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(
        Turn(content='{"name": "list_files", "arguments": {"path": "."}}'),  # text
        Turn(tool_calls=[{"name": "grepp", "arguments": {"pattern": "x"}}]),  # native
        Turn(content="Done."),
    )
    settings = fast_settings(None, model_name="llamacpp/qwen2.5-coder-1.5b")
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("list the files"))
    [text_error] = tool_results(llm.requests[1]).values()
    assert "no tool named 'list_files'" in text_error and "closest tools you have" in text_error
    native_error = [t for t in tool_results(llm.requests[2]).values() if "grepp" in t]
    assert native_error and "grep" in native_error[0].split("closest tools you have:")[1]
    assert events[-1].data["final_text"] == "Done."


def test_two_fenced_calls_are_both_made_and_unknown_tagged_names_still_reach_the_model() -> None:
    fence = '```json\n{{"name": "{}", "arguments": {{"path": "a.txt"}}}}\n```'
    made = with_text_calls(AIMessage(content=f"{fence.format('read')}\n{fence.format('glob')}"))
    assert [c["name"] for c in made.tool_calls] == ["read", "glob"] and made.content == ""
    tagged = '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>'
    [call] = with_text_calls(AIMessage(content=tagged)).tool_calls
    assert call["name"] == "get_weather"  # execute_tools answers: there is no tool named ...


def test_on_for_local_servers_and_configurable_per_model() -> None:
    def wants(model_id: str, configured: dict[str, bool]) -> bool:
        return profile_of(model_id, Settings(text_tool_calls=configured)).text_tool_calls

    assert wants("llamacpp/qwen2.5-coder", {})
    assert not wants("anthropic/claude-sonnet-4-5-20250929", {})
    assert wants("openai/my-finetune", {"openai/my-finetune": True})
    assert not wants("ollama/llama3.1", {"ollama/llama3.1": False})


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


async def test_the_stock_templates_pretty_printed_fence_runs_the_command(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "main.py").write_text("print(2 + 3)\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(content=STOCK_REPLY), Turn(content="It prints 5."))
    settings = fast_settings(None, model_name="llamacpp/qwen2.5-coder-1.5b")
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Run `python3 main.py` and tell me what it prints."))
    [output] = tool_results(llm.requests[1]).values()
    assert output.startswith("5\n")  # python3 main.py ran
    assert events[-1].data["final_text"] == "It prints 5."


async def test_a_local_model_showing_a_function_schema_answers_with_it(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(content=SCHEMA_ANSWER))
    settings = fast_settings(None, model_name="llamacpp/qwen2.5-coder-1.5b")
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("write me a function schema for a weather tool"))
    assert events[-1].data["final_text"] == SCHEMA_ANSWER
    assert events[-1].data["stop_reason"] == "done" and len(llm.requests) == 1


async def test_an_empty_reply_after_a_tool_result_is_asked_once_to_answer(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen with the stock template: after a `read` result the model ended at once (one
    token, no text): the run ended `done` with no answer."""
    (workspace / "clouds.txt").write_text("Clouds are made of tiny water droplets.\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    read = '```json\n{\n  "name": "read",\n  "arguments": {\n    "path": "clouds.txt"\n  }\n}\n```'
    llm.add(Turn(content=read), Turn(content=""), Turn(content="clouds.txt: what clouds are."))
    llm.add(Turn(content=read), Turn(content=""), Turn(content=""))
    small = "llamacpp/qwen2.5-coder-1.5b"  # `empty-reply`: off by default (never fired on dev)
    settings = fast_settings(None, model_name=small, adaptations={small: {"empty-reply": True}})
    async with open_session(settings, workspace, mode="headless") as session:
        answered = await collect(session.send("summarise clouds.txt in one line"))
        asked = llm.requests[2]["messages"][-1]["content"]
        silent = await collect(session.send("and again"))
    assert "Your last reply was empty" in asked and len(llm.requests) == 6
    assert answered[-1].data["final_text"] == "clouds.txt: what clouds are."
    assert silent[-1].data["stop_reason"] == "done"  # asked once per turn, then it ends
