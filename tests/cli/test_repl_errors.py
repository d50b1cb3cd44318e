"""Provider errors in the REPL: each shows its own sentence and what to do (in the REPL's
words: /model), and the REPL goes on."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli
from tests.cli.test_repl import PROMPT, spawn_repl
from tests.cli.test_repl_resume import quit_repl
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = pytest.mark.cli_e2e


def test_provider_errors_show_their_sentence_and_fix(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(
        Turn(status=401, error_message="Incorrect API key provided"),
        Turn(status=404, error_message="The model `scripted-model` does not exist"),
        Turn(content="Working again."),
    )
    child = spawn_repl(cli)
    try:
        child.expect_exact(PROMPT)
        child.sendline("hello")
        child.expect_exact("rejected the credentials for openai/scripted-model")
        child.expect_exact("Set OPENAI_API_KEY")
        child.expect_exact("/model.")  # the REPL's way to switch, not the --model flag
        child.expect_exact(PROMPT)
        assert "Traceback" not in child.before and "internal error" not in child.before
        child.sendline("hello again")
        child.expect_exact("does not know the model openai/scripted-model")
        child.expect_exact("does not exist")
        child.expect_exact("/model.")
        child.expect_exact(PROMPT)
        child.sendline("third time")
        child.expect_exact("Working again.")
        child.expect_exact(PROMPT)
        quit_repl(child)
    finally:
        child.terminate(force=True)
