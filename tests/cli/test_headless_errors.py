"""Headless json / stream-json runs that cannot start still answer on stdout: one error object."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Cli, lines_of

pytestmark = pytest.mark.cli_e2e


def error_object(done: object) -> dict:
    """The single JSON line a failed start printed on stdout."""
    lines = lines_of(done.stdout)  # type: ignore[attr-defined]
    assert len(lines) == 1, done
    error = json.loads(lines[0])
    assert error["type"] == "error" and error["exit_code"] == done.returncode  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize("output_format", ["json", "stream-json"])
def test_missing_key_unknown_thread_and_bad_config_are_json_errors(
    cli: Cli, output_format: str
) -> None:
    fmt = ("--output-format", output_format)
    del cli.env["OPENAI_API_KEY"]
    done = cli.run("--model", "openai/gpt-4o-mini", *fmt, "hello")
    assert done.returncode == 1
    assert "OPENAI_API_KEY" in error_object(done)["message"]
    assert "OPENAI_API_KEY" in done.stderr  # people reading the terminal still see it

    cli.env["OPENAI_API_KEY"] = "sk-test"
    done = cli.run("--model", "openai/gpt-4o-mini", "--resume", "no-such-thread", *fmt, "hi")
    assert done.returncode == 2
    assert "No thread 'no-such-thread'" in error_object(done)["message"]

    bad = cli.cwd / "bad.json"
    bad.write_text('{"model_name": ')
    done = cli.run("--config", str(bad), *fmt, "hello")
    assert done.returncode == 2
    assert "bad.json" in error_object(done)["message"]


def test_text_format_keeps_stdout_empty_on_a_failed_start(cli: Cli) -> None:
    done = cli.run("--model", "openai/gpt-4o-mini", "--resume", "no-such-thread", "hi")
    assert done.returncode == 2 and done.stdout == ""
    assert "No thread 'no-such-thread'" in done.stderr
