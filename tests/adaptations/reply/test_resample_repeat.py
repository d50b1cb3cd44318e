"""A small model that makes again the failing (or file-writing) call of its last step is asked
again with sampling on, at most twice, each ask counted as a model call; a repeated command
that ended well (polling) runs again unasked."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, ToolMessage

from adaptations.reply.resample_repeat import RESAMPLE_TEMPERATURE, repeats_dead_end
from models.messages import RuleKind, marked
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.outcome import Outcome

SMALL = "llamacpp/qwen2.5-coder-1.5b"
# Appends a line each time it runs, then fails: the file says how often it really ran.
FAILING = {"name": "bash", "arguments": {"command": "echo ran >> count.txt && python3 check.py"}}
READ = {"name": "read", "arguments": {"path": "check.py"}}


def sent_temperatures(llm: ScriptedLLMServer) -> list[object]:
    return [request.get("temperature") for request in llm.requests]


def step(command: str, exit_code: int | None, wrote: tuple[str, ...] = ()) -> list[object]:
    call = AIMessage(content="", tool_calls=[{"name": "bash", "args": {"command": command},
                                                "id": "1"}])  # fmt: skip
    artifact = Outcome(exit_code=exit_code, wrote=wrote).artifact()
    return [call, ToolMessage(content="...", tool_call_id="1", name="bash", artifact=artifact)]


@pytest.mark.parametrize(
    ("exit_code", "wrote", "again"),
    [(1, (), True), (None, (), True), (0, ("out.csv",), True), (0, (), False)],
)
def test_only_a_repeat_of_a_failed_or_writing_call_is_a_dead_end(
    exit_code: int | None, wrote: tuple[str, ...], again: bool
) -> None:
    before = step("python3 run.py", exit_code, wrote)
    same = AIMessage(content="", tool_calls=[{"name": "bash",
                                              "args": {"command": "python3 run.py"}, "id": "2"}])  # fmt: skip
    other = AIMessage(content="", tool_calls=[{"name": "bash",
                                               "args": {"command": "cat run.py"}, "id": "2"}])  # fmt: skip
    assert repeats_dead_end(before, same) is again
    assert not repeats_dead_end(before, other)
    assert not repeats_dead_end(before, AIMessage(content="It fails."))
    fix_then_check = AIMessage(content="", tool_calls=[*other.tool_calls, *same.tool_calls])
    assert not repeats_dead_end(before, fix_then_check)  # a change, then the check: a new road


def test_a_call_a_rule_answered_in_its_place_is_no_dead_end() -> None:
    """A held call's answer (a rule's marked result, status error) may ask for it again."""
    call, result = step("python3 run.py", 1)
    held = result.model_copy(
        update={"status": "error", "additional_kwargs": marked(RuleKind("blind_change"))}
    )
    same = AIMessage(content="", tool_calls=[{"name": "bash",
                                              "args": {"command": "python3 run.py"}, "id": "2"}])  # fmt: skip
    assert repeats_dead_end([call, result], same)
    assert not repeats_dead_end([call, held], same)


async def test_a_repeated_failing_call_is_asked_again_sampled_and_the_new_road_runs(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "check.py").write_text("raise SystemExit('check failed')\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(tool_calls=[FAILING]), Turn(tool_calls=[FAILING]), Turn(tool_calls=[READ]))
    llm.add(Turn(content="check.py always fails: it raises SystemExit."))
    settings = fast_settings(None, model_name=SMALL)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Why does `python3 check.py` fail?"))
    assert (workspace / "count.txt").read_text() == "ran\n"  # the repeat never ran
    assert sent_temperatures(llm) == [0.0, 0.0, RESAMPLE_TEMPERATURE, 0.0]
    assert llm.requests[2]["messages"] == llm.requests[1]["messages"]  # the same ask, sampled
    assert events[-1].data["final_text"].startswith("check.py always fails")
    assert len([e for e in events if e.type == "usage"]) == 4  # the dropped reply counted too


async def test_a_repeat_sampled_twice_stands_and_the_turns_call_limit_holds(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "check.py").write_text("raise SystemExit('check failed')\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(*[Turn(tool_calls=[FAILING])] * 4, Turn(content="It fails."))
    settings = fast_settings(None, model_name=SMALL)
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send("Why does `python3 check.py` fail?"))
    temperatures = sent_temperatures(llm)
    assert temperatures[:4] == [0.0, 0.0, RESAMPLE_TEMPERATURE, RESAMPLE_TEMPERATURE]
    assert (workspace / "count.txt").read_text() == "ran\nran\n"  # the last repeat stood
    limited = ScriptedLLMServer()
    with limited:
        monkeypatch.setenv("LLAMACPP_BASE_URL", limited.url)
        limited.add(*[Turn(tool_calls=[FAILING])] * 6)
        capped = fast_settings(None, model_name=SMALL, max_iterations=3)
        async with open_session(capped, workspace, mode="headless") as session:
            await collect(session.send("Why does `python3 check.py` fail?"))
        assert len(limited.requests) == 3  # resamples count toward max_iterations


async def test_a_repeated_command_that_ended_well_runs_again_unasked(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    poll = {"name": "bash", "arguments": {"command": "echo ran >> count.txt"}}
    llm.add(Turn(tool_calls=[poll]), Turn(tool_calls=[poll]), Turn(content="Ran twice."))
    settings = fast_settings(None, model_name=SMALL)
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send("Append to count.txt twice."))
    assert sent_temperatures(llm) == [0.0, 0.0, 0.0]
    assert (workspace / "count.txt").read_text() == "ran\nran\n"
