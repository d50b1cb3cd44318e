"""Headless mode end to end: output formats, exit codes, caps, resume after a kill.

The JSON result and the resume after a kill run through both wire formats (`provider`).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator

import pytest

from tests.cli.conftest import SLEEP_ONCE, Cli, kill_9_mid_tool, lines_of
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.providers import PROVIDERS, Provider, serve
from tests.fakes.transcript_checks import user_texts

pytestmark = pytest.mark.cli_e2e

MODEL = ("--model", "openai/scripted-model")


@pytest.fixture
def provider(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, cli: Cli
) -> Iterator[Provider]:
    """The scripted model behind either wire format, reachable from `cli`'s runs."""
    with serve(request.param, monkeypatch) as wire:
        cli.env.update(wire.env())
        yield wire


def bash(command: str, call_id: str | None = None) -> dict:
    call = {"name": "bash", "arguments": {"command": command}}
    return {**call, "id": call_id} if call_id else call


def test_text_mode_answer_on_stdout_progress_on_stderr(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(
        Turn(content="Writing it.", tool_calls=[bash("echo hello > hello.txt")]),
        Turn(content="The file says hello."),
    )
    done = cli.run(*MODEL, "-", input="write hello.txt\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "The file says hello."
    assert "● bash" in done.stderr and "echo hello > hello.txt" in done.stderr
    assert (cli.cwd / "hello.txt").exists(), (done.stderr, llm.requests[-1]["messages"][-1])
    assert (cli.cwd / "hello.txt").read_text() == "hello\n"
    assert user_texts(llm.requests[0]) == ["write hello.txt"]


@pytest.mark.parametrize("provider", PROVIDERS, indirect=True)
def test_json_then_resume_with_stream_json(cli: Cli, provider: Provider) -> None:
    llm = provider.server
    llm.add(Turn(content="First answer."), Turn(content="Second answer."))
    done = cli.run(
        *("--model", provider.model, "--thread-id", "t-json", "--no-stream"),
        *("--output-format", "json", "first"),
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["thread_id"] == "t-json"
    assert result["result"] == "First answer."
    assert result["exit_reason"] == "done" and result["iterations"] == 1
    assert result["usage"]["input_tokens"] > 0 and result["usage"]["output_tokens"] > 0
    assert set(result["usage"]) == {
        "input_tokens", "output_tokens", "cost_usd",
        "cache_read_tokens", "cache_write_tokens", "cache_hit_share", "unpriced_models", "job_cost_usd",
    }  # fmt: skip

    done = cli.run("--resume", "t-json", "--output-format", "stream-json", "second")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in lines_of(done.stdout)]
    types = [e["type"] for e in events]
    assert types[0] == "processing" and types[-1] == "result"
    assert {"assistant_chunk", "assistant_message", "usage", "turn_complete"} <= set(types)
    assert all(e["thread_id"] == "t-json" for e in events)
    assert events[-1]["result"] == "Second answer." and events[-1]["exit_reason"] == "done"
    sent = provider.user_texts(llm.requests[-1])
    assert sent == ["first", "second"]  # the resumed thread kept its history
    assert [bool(r.get("stream")) for r in llm.requests] == [False, True]
    if provider.wire == "openai":  # the scripted model has no price: its cost is unknown, not 0
        assert result["usage"]["cost_usd"] is None
        assert result["usage"]["unpriced_models"] == [provider.model]
    if provider.wire == "anthropic":  # priced, and the resumed run reads the prompt cache
        assert result["usage"]["unpriced_models"] == []
        assert result["usage"]["cost_usd"] > 0 and result["usage"]["cache_write_tokens"] > 0
        usage = events[-1]["usage"]
        assert usage["cache_read_tokens"] > 0 and usage["cache_hit_share"] > 0


def test_iteration_cap_exits_3(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(Turn(tool_calls=[bash("echo working")]))
    done = cli.run(*MODEL, "--max-iterations", "1", "--output-format", "json", "loop")
    assert done.returncode == 3, done.stderr
    result = json.loads(done.stdout)
    assert result["exit_reason"] == "max_iterations" and result["iterations"] == 1
    assert len(llm.requests) == 1


def test_spend_cap_exits_4(cli: Cli, llm: ScriptedLLMServer) -> None:
    """gpt-4o-mini is in litellm's price list, so the fake server's usage has a cost."""
    cli.use_server(llm)
    usage = {"prompt_tokens": 10_000, "completion_tokens": 100, "total_tokens": 10_100}
    llm.add(Turn(tool_calls=[bash("echo spend")], usage=usage))
    done = cli.run("--model", "openai/gpt-4o-mini", "--max-cost", "0.001", "spend")
    assert done.returncode == 4, done.stderr
    assert "spend passed the cap" in done.stderr
    assert done.stdout == ""
    assert len(llm.requests) == 1


def test_provider_auth_error_exits_1_with_the_key_to_set(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(Turn(status=401, error_message="Incorrect API key provided"))
    done = cli.run(*MODEL, "--output-format", "json", "hello")
    assert done.returncode == 1
    assert "OPENAI_API_KEY" in done.stderr and "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    assert result["exit_reason"] == "error" and "OPENAI_API_KEY" in result["error"]


@pytest.mark.parametrize("provider", PROVIDERS, indirect=True)
def test_resume_after_sigkill_mid_tool_finishes_the_run(cli: Cli, provider: Provider) -> None:
    llm = provider.server
    llm.add(
        Turn(tool_calls=[bash(SLEEP_ONCE, "call_sleep")]),
        Turn(content="Finished after the restart."),
    )
    first = cli.popen("--model", provider.model, "--thread-id", "killed", "do the long thing")
    kill_9_mid_tool(first, cli.cwd / "started")

    done = cli.run("--resume", "killed", "--headless", "--output-format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["result"] == "Finished after the restart."
    tool_results = provider.tool_results(llm.requests[-1])
    assert list(tool_results) == ["call_sleep"]
    assert "second run" in tool_results["call_sleep"]


def test_ctrl_c_cancels_the_turn_and_exits_130(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    command = "echo $$ > started; sleep 30"
    llm.add(Turn(tool_calls=[bash(command, "call_sleep")]))
    running = cli.popen(*MODEL, "--thread-id", "ctrl-c", "--output-format", "stream-json", "wait")
    started = cli.cwd / "started"
    try:
        deadline = time.monotonic() + 90
        while not started.exists() or not started.read_text().strip():
            assert running.poll() is None, running.communicate()
            assert time.monotonic() < deadline, "the tool never started"
            time.sleep(0.2)
        running.send_signal(signal.SIGINT)
        out, err = running.communicate(timeout=30)
    finally:
        if running.poll() is None:
            running.kill()
    assert running.returncode == 130, err
    events = [json.loads(line) for line in lines_of(out)]
    assert "interrupted" in [e["type"] for e in events]
    assert events[-1]["type"] == "result" and events[-1]["exit_reason"] == "interrupted"
