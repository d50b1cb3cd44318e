"""Undo and crash recovery on PostgreSQL, each finished by a process with another ML_INTERN_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pexpect
import pytest

from tests.cli.conftest import SLEEP_ONCE, Cli, kill_9_mid_tool
from tests.cli.test_postgres_threads import other_machine
from tests.cli.test_repl import PROMPT, settle, spawn_repl
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = [pytest.mark.cli_e2e, pytest.mark.timeout(300)]  # 3-4 CLI processes each
MODEL = ("--model", "openai/scripted-model")


def test_undo_twice_in_the_repl_then_read_elsewhere(
    cli: Cli, llm: ScriptedLLMServer, pg_url: str, tmp_path: Path
) -> None:
    cli.use_server(llm)
    llm.add(Turn(content="First answer."), Turn(content="Second answer."),
            Turn(content="Third answer."))  # fmt: skip
    child = spawn_repl(cli, "--db", pg_url, "--thread-id", "undone")
    try:
        child.expect_exact(PROMPT, timeout=90)
        for question, answer in (("first question", "First answer."),
                                 ("second question", "Second answer."),
                                 ("third question", "Third answer.")):  # fmt: skip
            child.sendline(question)
            child.expect_exact(answer, timeout=90)
            child.expect_exact(PROMPT)
        child.sendline("/undo")
        child.expect_exact("Undone: “third question”")
        child.expect_exact(PROMPT)
        child.sendline("/undo")
        child.expect_exact("Undone: “second question”")
        child.expect_exact(PROMPT)
        settle(child)
        child.sendcontrol("d")
        child.expect_exact("ml-intern --resume undone")
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close(force=True)

    elsewhere = other_machine(cli, tmp_path, "reader")
    elsewhere.env["ML_INTERN_DATABASE_URL"] = pg_url
    shown = elsewhere.run("threads", "show", "undone")
    assert shown.returncode == 0, shown.stderr
    assert "First answer." in shown.stdout
    assert "second question" not in shown.stdout and "Third answer." not in shown.stdout


def test_kill_9_mid_tool_then_another_machine_finishes_the_turn(
    cli: Cli, llm: ScriptedLLMServer, pg_url: str, tmp_path: Path
) -> None:
    cli.use_server(llm)
    cli.env["ML_INTERN_SESSION_SECRET"] = "both-machines"  # docs/web.md: the approval's key
    call = {"name": "bash", "arguments": {"command": SLEEP_ONCE}, "id": "call_sleep"}
    llm.add(Turn(tool_calls=[call]), Turn(content="Finished after the restart."))
    first = cli.popen("--db", pg_url, *MODEL, "--thread-id", "killed", "do the long thing")
    kill_9_mid_tool(first, cli.cwd / "started")

    # Another machine: the same workspace contents matter to the tool, so it runs there.
    elsewhere = other_machine(cli, tmp_path, "rescuer")
    elsewhere.env["ML_INTERN_SESSION_SECRET"] = "both-machines"
    (elsewhere.cwd / "started").write_text("1")
    done = elsewhere.run(
        "--db", pg_url, "--resume", "killed", "--headless", "--output-format", "json"
    )
    assert done.returncode == 0, done.stderr  # the killed run's lock went with its session
    assert json.loads(done.stdout)["result"] == "Finished after the restart."
    results = [m for m in llm.requests[-1]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in results] == ["call_sleep"]  # one result, no orphan
    assert "second run" in results[0]["content"]
