"""Attack: a planted file name must not become code in a command we suggest to a small model.

A 1.5B model copies the suggested command as written, so a name chosen by whoever planted the
file (a cloned repo, a downloaded dataset) would run as the agent's own code."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.configs.test_prompt_snapshot import SMALL, rules_lines
from tools.local.read_fit import next_step
from tools.local.workspace_listing import workspace_listing

PYTHON_NAME = "x');__import__('pathlib').Path('pwned').touch();('.csv"
SHELL_NAMES = ("logs/$(touch pwned).log", "a;touch pwned;.log", "my notes.txt")


def bash_commands(text: str) -> list[str]:
    """Every command a suggestion tells the model to run with `bash`."""
    return [part.split("`bash` with ", 1)[1] for part in text.split("; ") if "`bash` with" in part]


@pytest.mark.parametrize("name", [PYTHON_NAME, PYTHON_NAME[: -len(".csv")] + ".jsonl"])
def test_a_table_named_like_code_gets_no_example_that_runs_it(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("a,b\n1,2\n")
    request = "What is the sum of column b of the table?"
    note = "\n".join(rules_lines(SMALL, workspace_listing(tmp_path), request))
    assert "pd.read" not in note, note


def test_a_plain_csv_still_gets_its_example(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text("a,b\n1,2\n")
    note = "\n".join(
        rules_lines(SMALL, workspace_listing(tmp_path), "What is the sum of column b of the table?")
    )
    assert "pd.read_csv('sales.csv')" in note, note


def test_a_suggested_shell_command_runs_nothing_a_name_holds(tmp_path: Path) -> None:
    for name in SHELL_NAMES:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("line\n" * 30)
        for command in bash_commands(next_step(name)):
            subprocess.run(["bash", "-c", command.rstrip(".")], cwd=tmp_path, capture_output=True)
        assert not (tmp_path / "pwned").exists(), (name, next_step(name))
        tail = [c for c in bash_commands(next_step(name)) if c.startswith("tail")]
        ran = subprocess.run(["bash", "-c", tail[0].rstrip(".")], cwd=tmp_path, capture_output=True)
        assert ran.stdout == b"line\n" * 20, (name, ran.stderr)  # and it still shows the file
