"""The interactive REPL driven through a pty: approvals, slash commands, Ctrl-C."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.cli.conftest import Cli
from tests.fakes import zygote_pty
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import RUNTIME_NOTE

pytestmark = pytest.mark.cli_e2e

PROMPT = "› "
APPROVAL = "y / n / yolo"


def bash(command: str, call_id: str | None = None) -> dict:
    call: dict = {"name": "bash", "arguments": {"command": command}}
    if call_id:
        call["id"] = call_id
    return call


def settle(child: pexpect.spawn) -> None:
    """Wait until prompt_toolkit has switched the terminal to raw mode before sending a control key.

    With TERM=dumb it prints the prompt before leaving cooked mode, so a key sent at once
    would reach the terminal driver as a signal or EOF instead of reaching the prompt.
    Raw mode turns echo off, which the pty shows.
    """
    assert child.waitnoecho(timeout=10), "the prompt never took over the terminal"


def wait_for(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def last_user_and_tool_messages(server: ScriptedLLMServer) -> list[dict]:
    sent = server.requests[-1]["messages"]
    return [m for m in sent if m["role"] in ("user", "tool") and RUNTIME_NOTE not in m["content"]]


def spawn_repl(cli: Cli, *args: str) -> pexpect.spawn:
    spawn = pexpect.spawn if cli.fresh else zygote_pty.ZygoteSpawn
    return spawn(
        sys.executable,
        ["-m", "cli", "--model", "openai/scripted-model", *args],
        cwd=str(cli.cwd),
        env=cli.env,
        encoding="utf-8",
        dimensions=(50, 120),
        timeout=60,
    )


def test_repl_session(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(
        Turn(content="Making one.", tool_calls=[bash("echo one > one.txt")]),
        Turn(content="Made one."),
        Turn(tool_calls=[bash("touch two.txt")]),
        Turn(content="Skipped two."),
        Turn(tool_calls=[bash("touch three.txt")]),
        Turn(content="Will use python."),
        Turn(tool_calls=[bash("touch six.txt"), bash("touch seven.txt")]),
        Turn(content="Both rejected."),
        Turn(tool_calls=[bash("touch four.txt")]),
        Turn(tool_calls=[bash("touch five.txt")]),
        Turn(content="Made four and five."),
        Turn(tool_calls=[bash("touch sleeping; sleep 30", "call_sleep")]),
        Turn(content="Still here."),
    )
    child = spawn_repl(cli)
    try:
        drive(child, cli, llm)
    finally:
        if child.isalive():
            child.terminate(force=True)


def drive(child: pexpect.spawn, cli: Cli, llm: ScriptedLLMServer) -> None:
    started = time.monotonic()
    child.expect_exact(PROMPT)
    # The prompt does not wait for the agent runtime (about 0.5 s on an idle machine).
    assert time.monotonic() - started < 10

    # y: approve
    child.sendline("make one")
    child.expect_exact("Approve bash?")
    child.expect_exact("echo one > one.txt")
    child.expect_exact(APPROVAL)
    child.sendline("y")
    child.expect_exact("Made one.")
    child.expect_exact(PROMPT)
    assert (cli.cwd / "one.txt").exists()

    # n: reject
    child.sendline("make two")
    child.expect_exact(APPROVAL)
    child.sendline("n")
    child.expect_exact("Skipped two.")
    child.expect_exact(PROMPT)
    assert not (cli.cwd / "two.txt").exists()

    # any other text: reject with feedback for the model
    child.sendline("make three")
    child.expect_exact(APPROVAL)
    child.sendline("use python instead")
    child.expect_exact("Will use python.")
    child.expect_exact(PROMPT)
    assert not (cli.cwd / "three.txt").exists()
    assert "Feedback: use python instead" in last_user_and_tool_messages(llm)[-1]["content"]

    # Ctrl-C at an approval rejects the whole batch
    child.sendline("make six and seven")
    child.expect_exact("(1 of 2)")
    child.expect_exact(APPROVAL)
    settle(child)
    child.sendintr()
    child.expect_exact("Rejected 2 request(s).")
    child.expect_exact("Both rejected.")
    child.expect_exact(PROMPT)

    # yolo: approve this and everything after
    child.sendline("make four")
    child.expect_exact(APPROVAL)
    child.sendline("yolo")
    child.expect_exact("code runs outside any walls")  # no --sandbox here
    child.expect_exact("touch five.txt")
    child.expect_exact("Made four and five.")
    child.expect_exact(PROMPT)
    assert (cli.cwd / "four.txt").exists() and (cli.cwd / "five.txt").exists()

    child.sendline("/status")
    child.expect(r"Thread\s+([0-9a-f-]+)")
    thread_id = child.match.group(1)
    child.expect(r"Yolo\s+on")
    child.expect_exact(PROMPT)

    # Ctrl-C during a turn cancels the running tool; the thread stays usable
    child.sendline("sleep a while")
    child.expect_exact("sleep 30")
    wait_for(cli.cwd / "sleeping")  # the tool is running, not just announced
    started = time.monotonic()
    child.sendintr()
    child.expect_exact("Interrupted.")
    child.expect_exact(PROMPT)
    assert time.monotonic() - started < 15
    child.sendline("still there?")
    child.expect_exact("Still here.")
    child.expect_exact(PROMPT)
    cancelled = [
        m for m in last_user_and_tool_messages(llm) if m.get("tool_call_id") == "call_sleep"
    ]
    assert cancelled and "cancelled" in cancelled[0]["content"]

    child.sendline("/undo")
    child.expect_exact("Undone: “still there?”")
    child.expect_exact(PROMPT)

    child.sendline("/compact")
    child.expect_exact("Context compacted")
    child.expect_exact(PROMPT)

    child.sendline("/frobnicate")
    child.expect_exact("Unknown command /frobnicate.")
    child.expect_exact(PROMPT)

    settle(child)
    child.sendcontrol("d")
    child.expect_exact(f"ml-intern --resume {thread_id}")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_continue_shows_a_pending_approval_again(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(
        Turn(content="Need a yes.", tool_calls=[bash("echo later > later.txt")]),
        Turn(content="Done after coming back."),
    )
    first = spawn_repl(cli, "--thread-id", "pending")
    try:
        first.expect_exact(PROMPT)
        first.sendline("write later.txt")
        first.expect_exact(APPROVAL)
    finally:
        first.terminate(force=True)  # the terminal goes away while the agent waits

    # Headless, no prompt: it stops (exit 2) and its result still counts the call made so far.
    blocked = cli.run("--resume", "pending", "--headless", "--output-format", "json")
    assert blocked.returncode == 2, blocked.stderr
    result = json.loads(blocked.stdout)
    assert "waiting for a human to approve: bash" in blocked.stderr, (
        blocked.stdout,
        blocked.stderr,
    )
    assert result["iterations"] == 1 and result["usage"]["input_tokens"] > 0, result

    again = spawn_repl(cli, "--continue")
    try:
        again.expect_exact("Resumed thread pending")
        again.expect_exact("echo later > later.txt")
        again.expect_exact(APPROVAL)
        again.sendline("y")
        again.expect_exact("Done after coming back.")
        again.expect_exact(PROMPT)
        settle(again)
        again.sendcontrol("d")
        again.expect_exact("ml-intern --resume pending")
        again.expect(pexpect.EOF)
    finally:
        if again.isalive():
            again.terminate(force=True)
    assert (cli.cwd / "later.txt").read_text() == "later\n"


def test_ctrl_d_at_the_sandbox_question_keeps_them_and_still_closes_the_thread(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    from tools.hub.sandbox_records import SandboxRecord, remember, thread_sandboxes

    cli.use_server(llm)
    llm.add(Turn(content="Hi."))
    child = spawn_repl(cli, "--thread-id", "boxed")
    try:
        child.expect_exact(PROMPT)
        child.sendline("hello")
        child.expect_exact("Hi.")
        child.expect_exact(PROMPT)
        record = SandboxRecord("alice/sb", "t4-small", 0.6, 600, "2026-01-02T03:04:05+00:00", "k")
        remember(cli.home, "boxed", record)
        settle(child)
        child.sendcontrol("d")
        child.expect_exact("Delete them? [y/N]")
        settle(child)
        child.sendcontrol("d")
        child.expect_exact("Kept them")
        child.expect_exact("ml-intern --resume boxed")
        child.expect(pexpect.EOF)
    finally:
        if child.isalive():
            child.terminate(force=True)
    child.close()
    assert child.exitstatus == 0
    assert thread_sandboxes(cli.home, "boxed") == [record]
    again = spawn_repl(cli, "--resume", "boxed")  # the thread's lock was released
    try:
        again.expect_exact("Resumed thread boxed")
        again.expect_exact(PROMPT)
    finally:
        again.terminate(force=True)
