"""A small model's `python3 -c` one-liner with `with`/`for`/`if` after `;` fails; the bash
result offers the same program as a here-document (docs/lab, token-count)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from langchain_core.tools import BaseTool

from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.tool_calls import call_tool
from tools.local.family import local_specs
from tools.local.one_line_python import one_line_note

SEEN = (
    "python3 -c 'from pathlib import Path; words = 0; "
    'with open("text.txt", "r", encoding="utf-8") as f: text = f.read(); '
    "print(len(text.split()))'"
)


def bash_tool() -> BaseTool:
    return next(spec.tool for spec in local_specs() if spec.name == "bash")


def program_of(note: str) -> str:
    """The here-document's body in a note."""
    return note.split("<<'EOF'\n", 1)[1].rsplit("\nEOF", 1)[0]


def test_the_one_line_note_snapshot() -> None:
    failed = "SyntaxError: invalid syntax\n[exit code: 1]"
    check_snapshot("one_line_python.md", one_line_note(SEEN, failed, 1).lstrip("\n") + "\n")


def test_the_program_offered_runs_and_does_what_the_line_meant(tmp_path: Path) -> None:
    (tmp_path / "text.txt").write_text("one two three\n")
    program = program_of(one_line_note(SEEN, "SyntaxError\n[exit code: 1]", 1))
    done = subprocess.run(
        [sys.executable, "-"], input=program, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout == "3\n"
    loop = "python3 -c 'import sys; for a in sys.argv: print(a); print(\"end\")'"
    assert program_of(one_line_note(loop, "SyntaxError", None)) == (
        'import sys\nfor a in sys.argv:\n    print(a)\n    print("end")'
    )


def test_no_note_when_the_line_is_not_that_mistake() -> None:
    failed = "SyntaxError: invalid syntax\n[exit code: 1]"
    assert one_line_note(SEEN, "NameError: name 'x' is not defined\n[exit code: 1]", 1) == ""
    assert one_line_note(SEEN, "printed SyntaxError on purpose\n[exit code: 0]", 0) == ""
    for command in (
        "python3 -c 'import x; print(1'",  # a bracket left open: nothing to split
        "python3 -c 'for a in b: print(a)'",  # valid on one line: something else failed
        "python3 -c 'import x; with a: for b in c: print(b)'",  # nested: no safe split
        "cd x && python3 -c 'import x; with a: pass'",  # more than the one-liner
        "python3 script.py; with",
        "python3 -c 'unclosed",
    ):
        assert one_line_note(command, failed, 1) == "", command
    assert one_line_note(f"python3.11 -c {shlex.quote('import a; if a: print(a)')}", failed, 1)


async def test_every_models_bash_call_gets_the_program_unless_the_rule_is_off(
    tmp_path: Path,
) -> None:
    (tmp_path / "text.txt").write_text("a b\n")
    command = SEEN.replace("python3", shlex.quote(sys.executable), 1)
    small = await call_tool(bash_tool(), {"command": command}, tmp_path, read_tokens=1000)
    off = await call_tool(bash_tool(), {"command": command}, tmp_path, rules=frozenset())
    assert "SyntaxError" in off and "here-document" not in off
    assert small.startswith(off) and "here-document" in small
    large = await call_tool(bash_tool(), {"command": command}, tmp_path)
    assert "here-document" in large and program_of(large) == program_of(small)
    assert program_of(small).startswith("from pathlib import Path\nwords = 0\nwith open(")
