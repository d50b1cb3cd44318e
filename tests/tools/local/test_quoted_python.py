"""`quoted-python`: a `python3 -c '...'` program holding its own quote is shown back as the
here-document it meant, and only when that is a program."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.python_shim import shim, shim_env
from tests.fakes.transcript_checks import tool_results
from tools.local.quoted_python import quoted_note

SMALL = "llamacpp/qwen2.5-coder-1.5b"
# What Qwen2.5-Coder-1.5B sent three times running on csv-count (2026-11-28): the right filter,
# its quotes nested, and the last `)` outside them.
SEEN = (
    'python3 -c \'import pandas as pd; df = pd.read_csv("sales.csv"); '
    "print(len(df[(df['region'] == \"north\") & (df['amount'] > 100)])')"
)
SALES = "id,region,amount\n1,north,150\n2,north,50\n3,south,300\n4,north,101\n"


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True)


def program_of(note: str) -> str:
    return note.split("<<'EOF'\n", 1)[1].rsplit("\nEOF", 1)[0]


def test_the_quoted_note_snapshot() -> None:
    check_snapshot("quoted_python.md", quoted_note(SEEN, "syntax error", 2).lstrip("\n") + "\n")


def test_the_program_offered_runs_where_the_line_failed(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(SALES)
    failed = shell(SEEN, tmp_path)
    assert failed.returncode != 0 and "syntax error" in failed.stderr
    program = program_of(quoted_note(SEEN, failed.stderr, failed.returncode))
    env = {**os.environ, **shim_env()}  # forked from a process that imported pandas
    done = subprocess.run(
        [shim(), "-"], input=program, cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout == "2\n", done.stderr


def test_a_line_the_shell_runs_cut_is_offered_too(tmp_path: Path) -> None:
    """The shell joins `'a'` to the words around it: Python gets `d[a]`, a NameError."""
    command = "python3 -c 'd = {\"a\": 1}; print(d['a'])'"
    failed = shell(command, tmp_path)
    assert "NameError" in failed.stderr
    assert program_of(quoted_note(command, failed.stderr, failed.returncode)) == (
        "d = {\"a\": 1}; print(d['a'])"
    )


@pytest.mark.parametrize(
    ("command", "exit_code"),
    [
        (SEEN, 0),  # it did not fail
        ("python3 -c 'print(1/0)'", 1),  # quoted well: another failure
        ("python3 -c \"print('x')\"", 1),  # the other quote inside: nothing was cut
        ("python3 -c 'print('a' + )'", 1),  # no program either way
        ("ls 'a'b'", 2),  # not python
        ("python3 -c 'print('a')' && rm x", 1),  # more follows the program
    ],
)
def test_anything_else_gets_no_note(command: str, exit_code: int) -> None:
    assert quoted_note(command, "error", exit_code) == ""


async def test_a_small_model_with_the_rule_on_reads_the_note_after_its_call(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "sales.csv").write_text(SALES)
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(
        Turn(tool_calls=[{"name": "bash", "arguments": {"command": SEEN}}]),
        Turn(content="2"),
    )
    on = {SMALL: {"quoted-python": True}}
    async with open_session(
        fast_settings(None, model_name=SMALL, adaptations=on), workspace, mode="headless"
    ) as session:
        await collect(session.send("How many north rows have an amount above 100?"))
    [result] = tool_results(llm.requests[1]).values()
    assert "syntax error" in result and "The shell cut your program" in result
    assert "print(len(df[(df['region'] == \"north\") & (df['amount'] > 100)]))" in result
