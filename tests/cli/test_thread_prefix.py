"""A thread is named by its id or any unique start of it; an ambiguous start lists the candidates."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Cli
from tests.cli.test_repl_resume import seed
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = pytest.mark.cli_e2e

MODEL = ("--model", "openai/scripted-model")


def test_resume_and_threads_commands_take_a_unique_prefix(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(Turn(content="Alpha."), Turn(content="Beta."), Turn(content="Alpha again."))
    seed(cli, llm, "run-alpha", ["one"])
    seed(cli, llm, "run-beta", ["two"])

    done = cli.run("-r", "run-a", "--output-format", "json", "three")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["thread_id"] == "run-alpha"
    assert json.loads(done.stdout)["result"] == "Alpha again."

    done = cli.run("-r", "run", "--output-format", "json", "four")
    assert done.returncode == 2
    error = json.loads(done.stdout)
    assert "'run' starts 2 thread ids" in error["message"]
    assert "run-alpha  one" in error["message"] and "run-beta  two" in error["message"]
    assert len(llm.requests) == 3  # nothing was sent

    shown = cli.run("threads", "show", "run-b")
    assert shown.returncode == 0, shown.stderr
    assert "Beta." in shown.stdout
    missing = cli.run("threads", "show", "nope")
    assert missing.returncode == 2 and "No thread 'nope'" in missing.stderr
