"""Undo's files on PostgreSQL: recorded by one process, put back by another with its own home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.cli.test_postgres_threads import other_machine
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = [pytest.mark.cli_e2e, pytest.mark.timeout(300)]
MODEL = ("--model", "openai/scripted-model")


def test_undo_on_postgres_from_another_home(
    cli: Cli, llm: ScriptedLLMServer, pg_url: str, tmp_path: Path
) -> None:
    cli.use_server(llm)
    (cli.cwd / "data.csv").write_text("a,b\n1,2\n")
    bash = {"name": "bash", "arguments": {"command": "echo broken > data.csv && echo y > new.txt"}}
    llm.add(Turn(tool_calls=[bash]), Turn(content="Changed."))
    done = cli.run("--db", pg_url, *MODEL, "--yolo", "--thread-id", "pg-undo", "change data")
    assert done.returncode == 0, done.stderr
    assert not (cli.home / "threads.sqlite").exists()  # the record went to PostgreSQL too

    elsewhere = other_machine(cli, tmp_path, "undoer")
    elsewhere.env["ML_INTERN_DATABASE_URL"] = pg_url
    undone = elsewhere.run("threads", "undo", "pg-undo", "--json")
    assert undone.returncode == 0, undone.stderr
    report = json.loads(undone.stdout)
    assert report["restored"] == ["data.csv"] and report["removed"] == ["new.txt"]
    assert (cli.cwd / "data.csv").read_text() == "a,b\n1,2\n" and not (cli.cwd / "new.txt").exists()
