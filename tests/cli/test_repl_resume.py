"""Coming back to a thread in the REPL: which model it uses, what it said, finding it by a prefix."""

from __future__ import annotations

import asyncio
import json
import sys

import pexpect
import pytest

from tests.cli.conftest import Cli
from tests.cli.test_repl import PROMPT, settle
from tests.fakes import zygote_pty
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = pytest.mark.cli_e2e


def spawn(cli: Cli, *args: str) -> pexpect.spawn:
    """The REPL with no --model: the config's default, or the resumed thread's model."""
    return (pexpect.spawn if cli.fresh else zygote_pty.ZygoteSpawn)(
        sys.executable,
        ["-m", "cli", *args],
        cwd=str(cli.cwd),
        env=cli.env,
        encoding="utf-8",
        dimensions=(50, 120),
        timeout=60,
    )


def quit_repl(child: pexpect.spawn) -> None:
    settle(child)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)


def seed(cli: Cli, llm: ScriptedLLMServer, thread_id: str, prompts: list[str]) -> None:
    """Threads made in this process (quicker than one CLI run per message), in `cli`'s home."""

    async def send_all() -> None:
        settings = fast_settings(llm.url)
        async with open_session(
            settings, cli.cwd, home=cli.home, thread_id=thread_id, mode="headless"
        ) as session:
            for prompt in prompts:
                await collect(session.send(prompt))

    asyncio.run(send_all())


def configured_default(cli: Cli, model: str) -> None:
    config = cli.cwd.parent / "config.json"
    config.write_text(json.dumps({"model_name": model}))
    cli.env["ML_INTERN_CLI_CONFIG"] = str(config)


def test_resume_header_names_the_threads_model(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(Turn(content="Hello from the scripted model."))
    done = cli.run("--model", "openai/scripted-model", "--thread-id", "t-model", "hello")
    assert done.returncode == 0, done.stderr
    configured_default(cli, "openai/configured-default")
    child = spawn(cli, "--resume", "t-model")
    try:
        child.expect(r"ml-intern  (\S+)  ·")
        assert child.match.group(1) == "openai/scripted-model"
        child.expect_exact("Resumed thread t-model")
        child.expect_exact(PROMPT)
        quit_repl(child)
    finally:
        child.terminate(force=True)
    fresh = spawn(cli)  # a new thread still shows the configured default
    try:
        fresh.expect(r"ml-intern  (\S+)  ·")
        assert fresh.match.group(1) == "openai/configured-default"
        fresh.expect_exact(PROMPT)
        quit_repl(fresh)
    finally:
        fresh.terminate(force=True)


def test_resume_by_prefix_shows_the_last_exchanges_and_resume_alone_offers_a_picker(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    call = {"name": "bash", "arguments": {"command": "echo counted"}}
    llm.add(Turn(content="Answer one."), Turn(content="Answer two."))
    llm.add(Turn(tool_calls=[call]), Turn(content="Answer three."), Turn(content="Answer four."))
    seed(cli, llm, "exp-alpha", ["first ask", "second ask", "third ask", "fourth ask"])
    llm.add(Turn(content="Beta answer."))
    seed(cli, llm, "exp-beta", ["beta ask"])

    child = spawn(cli, "-r", "exp-al")  # a unique start of the id is enough
    try:
        child.expect_exact("Resumed thread exp-alpha — first ask (")
        child.expect_exact("model openai/scripted-model)")
        for shown in ["› second ask", "Answer two.", "› third ask", "1 tool call(s): bash"]:
            child.expect_exact(shown)
        child.expect_exact("Answer three.")
        child.expect_exact("› fourth ask")
        child.expect_exact("Answer four.")
        child.expect_exact(PROMPT)
        assert "first ask" not in child.before and "Answer one." not in child.before

        child.sendline("/resume exp")  # ambiguous: both candidates are named
        child.expect_exact("'exp' starts 2 thread ids")
        child.expect_exact(PROMPT)
        assert "exp-alpha" in child.before and "exp-beta" in child.before

        child.sendline("/resume")  # the picker lists the other threads
        child.expect(r"(\d+)\s+exp-beta")
        number = child.match.group(1)
        child.expect_exact("Resume which?")
        child.sendline(number)
        child.expect_exact("Resumed thread exp-beta — beta ask")
        child.expect_exact("Beta answer.")
        child.expect_exact(PROMPT)
        quit_repl(child)
    finally:
        child.terminate(force=True)
