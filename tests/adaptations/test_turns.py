"""Rules seen from the scripted model's side: what its requests hold with a rule on or off,
that no request hands it a model-choosing program, and that a rule which raises is skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adaptations.registry import NAMES
from cli.commands import run_command
from configs.prompt import LOOK_FIRST
from tests.cli.test_status_cost import Repl
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.adaptation_guard import FAILED_RULES

SMALL = "llamacpp/qwen2.5-coder-1.5b"
# The rules off by default too (adaptations/registry.py `off`).
EVERY_RULE_ON = {SMALL: dict.fromkeys(NAMES, True)}
SOLUTIONS = ("RandomForest", "cross_val_score", "f1_score(")


@pytest.fixture
def small(small_llm: ScriptedLLMServer) -> ScriptedLLMServer:
    return small_llm


async def turn_requests(
    llm: ScriptedLLMServer, workspace: Path, request: str, **settings: object
) -> str:
    llm.add(
        Turn(tool_calls=[{"name": "bash", "arguments": {"command": "ls"}}]),
        Turn(content="Done."),
    )
    async with open_session(fast_settings(None, model_name=SMALL, **settings), workspace) as s:
        events = await collect(s.send(request))
    assert events[-1].type == "turn_complete"
    return json.dumps(llm.requests)


async def test_a_rule_switched_off_in_config_leaves_the_requests(
    small: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "notes.txt").write_text("hello\n")
    on = await turn_requests(small, workspace, "What does notes.txt say?")
    assert json.dumps(LOOK_FIRST)[1:-1] in on and "max_tokens" in on
    small.requests.clear()
    switches = {SMALL: {"look-first": False, "reply-limit": False}}
    off = await turn_requests(small, workspace, "What does notes.txt say?", adaptations=switches)
    assert json.dumps(LOOK_FIRST)[1:-1] not in off and '"max_tokens"' not in off
    assert "notes.txt 6 B" in off  # the other rules stay: the listing is still there


async def test_no_request_hands_a_small_model_a_model_choosing_program(
    small: ScriptedLLMServer, workspace: Path
) -> None:
    """train.csv and test.csv differ by one column, predictions.csv holds label/prediction:
    the shape that once drew a RandomForest program and an F1 recipe into the runtime note."""
    (workspace / "train.csv").write_text("id,f1,f2,label\n1,0.5,1.0,1\n2,0.1,0.2,0\n")
    (workspace / "test.csv").write_text("id,f1,f2\n3,0.4,0.9\n")
    (workspace / "predictions.csv").write_text("id,label,prediction\n1,1,1\n2,0,1\n")
    sent = await turn_requests(
        small, workspace, "Look at the files here and tell me what they are."
    )
    assert "train.csv" in sent and "predictions.csv" in sent  # the listing was sent
    for program in SOLUTIONS:
        assert program not in sent, program


async def test_a_rule_that_raises_is_skipped_the_turn_ends_normally_and_status_names_it(
    small: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a broken rule")

    monkeypatch.setattr("adaptations.reply.rules.unseen_numbers", broken)
    monkeypatch.setattr("adaptations.results.focus_traceback", broken)
    FAILED_RULES.pop("unseen-numbers", None)
    small.add(
        Turn(tool_calls=[{"name": "bash", "arguments": {"command": "echo 41"}}]),
        Turn(content="It printed 41."),
    )
    async with open_session(
        fast_settings(None, model_name=SMALL, adaptations=EVERY_RULE_ON), workspace
    ) as session:
        # It names a file the numbers could come from: unseen-numbers checks the answer.
        ask = "notes.txt says to run echo 41: run it and tell me what it printed."
        events = await collect(session.send(ask))
        assert events[-1].type == "turn_complete"
        assert events[-1].data["final_text"] == "It printed 41."
        assert {"unseen-numbers", "traceback-focus"} <= FAILED_RULES.keys()
        result = json.dumps(small.requests[1]["messages"])
        assert "41" in result and "[exit code: 0]" in result  # the tool's output, unannotated
        repl = Repl(session, session.settings, tmp_path)
        await run_command(repl, "/status")  # type: ignore[arg-type]
    skipped = next(line for line in repl.out.getvalue().splitlines() if "Rules skipped" in line)
    assert "traceback-focus" in skipped and "unseen-numbers" in skipped
