"""Two `ml-intern` processes on one database: different threads both finish; the same thread is refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = pytest.mark.cli_e2e
MODEL = ("--model", "openai/scripted-model")


def answer_after_one_tool_call(command: str):
    def respond(request: dict) -> Turn:
        if any(m["role"] == "tool" for m in request["messages"]):
            return Turn(content="done")
        return Turn(tool_calls=[{"name": "bash", "arguments": {"command": command}}])

    return respond


def wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def test_two_processes_with_different_threads_both_finish(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.responder = answer_after_one_tool_call("sleep 0.5; echo slept")
    first = cli.popen(*MODEL, "--thread-id", "a", "one")
    second = cli.popen(*MODEL, "--thread-id", "b", "two")
    for process in (first, second):
        out, err = process.communicate(timeout=90)
        assert process.returncode == 0, err
        assert out.strip() == "done"
        assert "locked" not in err


def test_a_second_process_on_a_running_thread_is_refused(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    hold = "touch started; while [ ! -f release ]; do sleep 0.05; done; echo released"
    llm.responder = answer_after_one_tool_call(hold)
    first = cli.popen(*MODEL, "--thread-id", "busy", "hold on")
    try:
        wait_for(cli.cwd / "started")
        second = cli.run(*MODEL, "--resume", "busy", "are you there?")
        assert second.returncode == 1
        assert "already running in another ml-intern process" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        (cli.cwd / "release").touch()
        out, err = first.communicate(timeout=90)
    assert first.returncode == 0, err
    assert out.strip() == "done"
    shown = cli.run("threads", "show", "busy")
    assert "are you there?" not in shown.stdout  # the refused run wrote nothing
