"""The headless result says which rules for weaker models fired in the thread: a rule whose
hook acted is counted once per step it acted in, a rule that never acted is absent, and the
counts live in the thread's checkpoint, so a resumed thread adds to them."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Cli
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = pytest.mark.cli_e2e

MODEL = ("--model", "openai/scripted-model")
# A compound statement after `;`: Python refuses it, `one-line-python` shows the program.
ONE_LINER = 'python3 -c "import sys; for x in [1]: print(x)"'


def bash(command: str, call_id: str) -> dict[str, object]:
    return {"name": "bash", "id": call_id, "arguments": {"command": command}}


def test_the_json_result_counts_the_rules_that_fired_and_a_resume_adds_to_them(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    llm.add(
        Turn(tool_calls=[bash(ONE_LINER, "b1")]),
        Turn(tool_calls=[bash("echo hi", "b2")]),
        Turn(content="It printed 1."),
        Turn(tool_calls=[bash(ONE_LINER, "b3")]),
        Turn(content="Again."),
    )
    done = cli.run(*MODEL, "--thread-id", "fired", "--output-format", "json", "run it")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    # On by default for this model: one-line-python, sed-unchanged, text-elsewhere,
    # traceback-focus. Only the one whose hook acted is there, once (one step: one call).
    assert result["rules_fired"] == {"one-line-python": 1}
    told = [m for m in llm.requests[1]["messages"] if m.get("role") == "tool"]
    assert "here-document" in str(told[-1]["content"]) or "<<" in str(told[-1]["content"])

    again = cli.run("--resume", "fired", "--output-format", "json", "once more")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["rules_fired"] == {"one-line-python": 2}
