"""What every task's grade.py shares: the command line and the checks on an answer's text.

A grade.py calls `grade(judge)` with `judge(workspace, answer) -> str | None` (None: solved,
else why not); it exits 0 when solved and 1 otherwise, printing the reason. Standard library
only, so a task is graded the same under any interpreter.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

Judge = Callable[[Path, str], "str | None"]


def grade(judge: Judge) -> None:
    """`grade.py WORKSPACE ANSWER_FILE`: exit 0 iff `judge` finds the task solved."""
    if len(sys.argv) != 3:
        raise SystemExit(f"usage: {Path(sys.argv[0]).name} WORKSPACE ANSWER_FILE")
    workspace, answer_file = Path(sys.argv[1]), Path(sys.argv[2])
    answer = answer_file.read_text(errors="replace") if answer_file.is_file() else ""
    try:
        problem = judge(workspace, answer)
    except (OSError, ValueError, KeyError, IndexError) as error:
        problem = f"could not judge: {type(error).__name__}: {error}"
    print(problem or "solved")
    raise SystemExit(0 if problem is None else 1)


def numbers_in(text: str) -> list[str]:
    """The numbers written in `text`, as written (thousands separators dropped)."""
    return re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w]|\.\d)", text.replace(",", ""))


def says_number(answer: str, expected: str) -> str | None:
    """None when `expected` is one of the answer's numbers (0.91 matches 0.910)."""
    if any(float(n) == float(expected) for n in numbers_in(answer)):
        return None
    return f"the answer does not give {expected}"


def says_about(answer: str, expected: float, tolerance: float) -> str | None:
    """None when one of the answer's numbers is within `tolerance` of `expected`."""
    if any(abs(float(n) - expected) <= tolerance for n in numbers_in(answer)):
        return None
    return f"the answer does not give {expected:.4g} (±{tolerance})"


def first_named(answer: str, names: list[str]) -> str | None:
    """The name among `names` that the answer mentions first (None: none of them)."""
    found = [(i, n) for n in names if (i := answer.lower().find(n.lower())) >= 0]
    return min(found)[1] if found else None


def run_with(files: dict[str, bytes], script: str) -> subprocess.CompletedProcess[str]:
    """Run `python script` in a fresh folder holding only `files` (name -> content), so a
    workspace's code is judged on the grader's own copies of its tests and data."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in files.items():
            (Path(tmp) / name).write_bytes(content)
        return subprocess.run([sys.executable, script], cwd=tmp, capture_output=True,
                              text=True, timeout=60)  # fmt: skip


def hidden(task_file: str, name: str) -> str:
    """A file the grader keeps beside grade.py (never copied into the workspace)."""
    return (Path(task_file).resolve().parent / "hidden" / name).read_text()
