"""A small model repeating the call it just made gets that result back instead of a rerun."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from nodes.repeat_call import REPEATED, repeated_calls
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import assert_valid_tool_pairing

# Appends a line each time it runs: the file says how often the command really ran.
COUNTING = "echo ran >> count.txt && python3 main.py"
RUN = {"name": "bash", "arguments": {"command": COUNTING}}


def step(call_id: str, name: str = "bash", **args: object) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"id": call_id, "name": name, "args": args}])


def result(call_id: str, text: str) -> ToolMessage:
    return ToolMessage(content=text, tool_call_id=call_id, name="bash")


def test_the_repeat_notes_snapshot() -> None:
    check_snapshot("repeat_call.md", REPEATED.format(name="bash", result="5") + "\n")


def test_only_a_repeat_of_the_previous_step_in_this_turn_is_answered() -> None:
    history = [HumanMessage("run it"), step("1", command="ls"), result("1", "a.txt")]
    same, other = step("2", command="ls"), step("3", command="ls -l")
    [answer] = repeated_calls([*history, same], same.tool_calls).values()
    assert "have its result (above): a.txt\n" in str(answer.content)
    assert answer.tool_call_id == "2"
    assert repeated_calls([*history, other], other.tool_calls) == {}
    # A new question: the same call is a fresh start, not a repeat.
    again = [*history, AIMessage(content="done"), HumanMessage("and now?"), same]
    assert repeated_calls(again, same.tool_calls) == {}


def test_a_second_repeat_quotes_the_real_result_once() -> None:
    history = [HumanMessage("run it"), step("1", command="ls"), result("1", "a.txt")]
    first = step("2", command="ls")
    [answer] = repeated_calls([*history, first], first.tool_calls).values()
    second = step("3", command="ls")
    [again] = repeated_calls([*history, first, answer, second], second.tool_calls).values()
    assert again.content == REPEATED.format(name="bash", result="a.txt")


async def test_a_small_model_repeating_its_call_gets_the_result_and_answers(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen with Qwen2.5-Coder-1.5B: `bash python3 main.py` answered `5`, then the same call
    twice more until the loop guard."""
    (workspace / "main.py").write_text("print(2 + 3)\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(tool_calls=[RUN]), Turn(tool_calls=[RUN]), Turn(content="It prints 5."))
    settings = fast_settings(None, model_name="llamacpp/qwen2.5-coder-1.5b")
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Run `python3 main.py`; what does it print?"))
    assert (workspace / "count.txt").read_text() == "ran\n"  # run once, not twice
    told = llm.requests[2]["messages"][-1]
    assert told["role"] == "tool" and told["content"].startswith("You already made this call")
    assert "have its result (above): 5\n" in told["content"]
    assert_valid_tool_pairing(llm.requests[2]["messages"])
    assert events[-1].data["final_text"] == "It prints 5."


async def test_a_small_model_that_keeps_repeating_meets_the_loop_guard(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen in a greedy run: `glob *.txt` twelve times, each answered without a rerun, until
    the iteration limit; the loop guard must see answered-without-running calls too."""
    (workspace / "main.py").write_text("print(2 + 3)\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(*[Turn(tool_calls=[RUN])] * 12)
    settings = fast_settings(None, model_name="llamacpp/qwen2.5-coder-1.5b")
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Run `python3 main.py`; what does it print?"))
    assert (workspace / "count.txt").read_text() == "ran\n"
    guard = [m for r in llm.requests for m in r["messages"] if "repeating yourself" in m["content"]]
    assert guard and len(llm.requests) == 7  # 1 run + 3 repeats, the guard, 3 more repeats
    assert events[-1].data["stop_reason"] == "doom_loop"


async def test_a_large_model_polling_with_the_same_call_runs_it_each_time(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "main.py").write_text("print(2 + 3)\n")
    llm.add(Turn(tool_calls=[RUN]), Turn(tool_calls=[RUN]), Turn(content="It prints 5."))
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send("Run `python3 main.py` twice."))
    assert (workspace / "count.txt").read_text() == "ran\nran\n"
    assert "You already made this call" not in str(llm.requests[2]["messages"][-1]["content"])
