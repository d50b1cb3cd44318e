"""Headless progress on stderr, when stderr is a file or a pipe: each message on one whole line."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = pytest.mark.cli_e2e

LONG = "word " * 40  # a provider message far wider than 80 columns


def test_stderr_lines_do_not_wrap_at_80_columns_in_a_pipe(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    del cli.env["COLUMNS"]  # rich would otherwise assume 80 columns for a pipe
    llm.add(Turn(status=401, error_message=f"Incorrect API key {LONG}"))
    done = cli.run("--model", "openai/scripted-model", "go")
    assert done.returncode == 1
    key_line = next(line for line in done.stderr.splitlines() if "OPENAI_API_KEY" in line)
    assert LONG.strip() in key_line and key_line.rstrip().endswith("with --model.")
