"""Headless and --yolo without the sandbox run the agent's code unasked: the real command
says so once, on stderr (the user reads it, the model never does), and does what it says.

The attack: a command that builds the path of ~/.netrc at run time, so no word of it names a
credential place. Without the sandbox nothing reads its meaning, and it runs (the user chose
so); with the sandbox the walls hide the file.
"""

from __future__ import annotations

import shutil

import pytest

from tests.cli.conftest import Cli
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results
from tools.local.sandbox import Sandbox, sandbox_problem

pytestmark = pytest.mark.cli_e2e

MODEL = ("--model", "openai/scripted-model")
BUILT_NETRC = "cat $(printf '%s/.ne%s' ~ trc)"
WARNING = "runs without asking, outside any walls"
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None or sandbox_problem(Sandbox()) is not None,
    reason="bubblewrap cannot run here",
)


def read_built_netrc(cli: Cli, llm: ScriptedLLMServer, *flags: str) -> tuple[str, str]:
    """(stderr, what the model got back) for a headless run whose one call is the attack."""
    (cli.home.parent / ".netrc").write_text("machine hub.example login me password pw-42\n")
    cli.use_server(llm)
    call = {"name": "bash", "arguments": {"command": BUILT_NETRC}, "id": "c1"}
    llm.add(Turn(content="Reading.", tool_calls=[call]), Turn(content="Done."))
    done = cli.run(*MODEL, *flags, "read it")
    assert done.returncode == 0, done.stderr
    return done.stderr, tool_results(llm.requests[1])["c1"]


def test_headless_without_the_sandbox_warns_once_and_runs_code_it_cannot_read(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    stderr, result = read_built_netrc(cli, llm)
    assert stderr.count(WARNING) == 1, stderr
    line = next(line for line in stderr.splitlines() if WARNING in line)
    assert line.startswith("ml-intern: warning: headless run without --sandbox")
    assert "credential" in line
    assert "machine hub.example" in result  # not protected: the user chose to run unasked


def test_yolo_without_the_sandbox_warns_once(cli: Cli, llm: ScriptedLLMServer) -> None:
    stderr, result = read_built_netrc(cli, llm, "--yolo")
    assert stderr.count(WARNING) == 1, stderr
    assert "machine hub.example" in result


@needs_bwrap
def test_with_the_sandbox_no_warning_and_the_walls_hide_the_file(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    stderr, result = read_built_netrc(cli, llm, "--yolo", "--sandbox")
    assert WARNING not in stderr
    assert "machine hub.example" not in result and "pw-42" not in result
