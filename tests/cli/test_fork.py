"""Forking a thread: `ml-intern threads fork ID` and `/fork` in the REPL."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli.conftest import Cli
from tests.cli.test_repl import PROMPT, spawn_repl
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import user_texts

pytestmark = pytest.mark.cli_e2e
MODEL = ("--model", "openai/scripted-model")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_threads_fork_copies_the_history_and_leaves_the_original(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    llm.add(Turn(content="Base model chosen."), Turn(content="Forked answer."))
    assert cli.run(*MODEL, "--thread-id", "t-1", "pick a base model").returncode == 0

    forked = cli.run("threads", "fork", "t-1")
    assert forked.returncode == 0, forked.stderr
    new_id = re.search(rf"into ({UUID})", forked.stdout).group(1)  # type: ignore[union-attr]
    assert f"ml-intern --resume {new_id}" in forked.stdout

    rows = {r["thread_id"]: r for r in json.loads(cli.run("threads", "list", "--json").stdout)}
    assert rows[new_id]["title"] == "pick a base model (fork)"
    assert rows[new_id]["model"] == "openai/scripted-model"

    resumed = cli.run(*MODEL, "--resume", new_id, "now fine-tune it")
    assert resumed.returncode == 0, resumed.stderr
    assert user_texts(llm.requests[-1])[-2:] == ["pick a base model", "now fine-tune it"]
    original = cli.run("threads", "show", "t-1").stdout
    assert "Base model chosen." in original and "now fine-tune it" not in original
    assert "Forked answer." in cli.run("threads", "show", new_id).stdout


def test_forking_an_unknown_thread_is_a_usage_error(cli: Cli) -> None:
    done = cli.run("threads", "fork", "no-such-thread")
    assert done.returncode == 2
    assert "No thread 'no-such-thread'" in done.stderr and "threads list" in done.stderr


def test_slash_fork_switches_to_the_copy(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(Turn(content="First answer."), Turn(content="Answer in the fork."))
    assert cli.run(*MODEL, "--thread-id", "t-2", "first question").returncode == 0
    child = spawn_repl(cli, "--resume", "t-2")
    try:
        child.expect_exact(PROMPT, timeout=30)
        child.sendline("/fork")
        child.expect(rf"Forked thread t-2 into ({UUID})", timeout=30)
        new_id = child.match.group(1)
        child.expect_exact(PROMPT, timeout=30)
        child.sendline("second question")
        child.expect_exact("Answer in the fork.", timeout=30)
        child.expect_exact(PROMPT, timeout=30)
        child.sendline("/quit")
        child.expect(r"--resume ([0-9a-f-]{36})", timeout=30)
        assert child.match.group(1) == new_id
    finally:
        if child.isalive():
            child.terminate(force=True)
    assert user_texts(llm.requests[-1]) == ["first question", "second question"]
    assert "second question" not in cli.run("threads", "show", "t-2").stdout
