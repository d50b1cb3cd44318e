"""A small model's answer that opens with its own instructions is sent back once
(bench/README.md, train-classifier: it answered with its runtime note's last line)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage

from configs.prompt import WRITE_EXAMPLE
from nodes.echoed_note import ECHOED, echoes_instructions
from nodes.history import note
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

SMALL = "llamacpp/qwen2.5-coder-1.5b"
ECHO = "To write a file, end the program with `predictions.csv` to save the predictions."


def test_the_echoed_note_snapshot() -> None:
    check_snapshot("echoed_note.md", ECHOED + "\n")


def test_an_answer_opening_with_an_instructions_words_is_an_echo_and_a_result_is_not() -> None:
    runtime = note("unseen_numbers", "x")  # any agent note
    runtime.content = f"[runtime] Today is 2026-11-25.\n{WRITE_EXAMPLE}"
    shown = [SystemMessage(content="You are ml-intern."), runtime]
    assert echoes_instructions(ECHO, shown)
    assert not echoes_instructions(
        "Saved predictions.csv; the cross-validated score is 0.92.", shown
    )
    assert not echoes_instructions("To write a file", shown)  # too short to tell
    said = [HumanMessage(content=WRITE_EXAMPLE)]  # the user's own words may be quoted
    assert not echoes_instructions(ECHO, said)
    printed = [ToolMessage(content=WRITE_EXAMPLE, tool_call_id="c")]  # so may a tool's output
    assert not echoes_instructions(ECHO, printed)


async def test_a_small_model_answering_with_its_runtime_note_is_sent_back_once(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "train.csv").write_text("id,x1,label\n1,0.5,a\n")
    (workspace / "test.csv").write_text("id,x1\n2,0.4\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    save = {"name": "bash", "arguments": {"command": "cut -d, -f1 test.csv > predictions.csv"}}
    llm.add(
        Turn(tool_calls=[save]),
        Turn(content=ECHO),
        Turn(content="I saved predictions.csv with the id and label of each test row."),
        Turn(content="Not asked for: the answer after the note ends the turn."),
    )
    settings = fast_settings(None, model_name=SMALL)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Predict test.csv's labels into predictions.csv."))
    assert ECHOED in str(llm.requests[2]["messages"][-1]["content"])
    assert events[-1].data["final_text"].startswith("I saved predictions.csv")
    assert len(llm.requests) == 3


async def test_a_large_models_answer_is_never_sent_back_for_an_echo(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="You are ml-intern, an ML engineer's assistant. You work in the user's"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("Who are you?"))
    assert len(llm.requests) == 1 and events[-1].data["stop_reason"] == "done"
