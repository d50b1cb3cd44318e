"""The benchmark's tasks as data, in two sets: each folder under bench/ml_tasks/<set>/ with a
prompt.md is one task of that set. `dev` holds the tasks the harness has been tuned on;
`held-out` holds tasks of the same kinds that no rule may be fitted to (bench/ml_tasks/README.md).

A task folder holds `prompt.md` (what the agent is asked), `files/` (the starting workspace),
`grade.py WORKSPACE ANSWER_FILE` (exit 0 iff solved), optionally `hub.json` (what the local
Hub serves: the Jobs hardware list, repos with their files and card data), `hidden/` (what only
the grader reads) and `solution/` (a reference: `answer.md`, `files/` laid over the workspace,
`edits.json` [{path, old, new}] applied to it), which the tests use to show each grader can
pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

HERE = Path(__file__).resolve().parent
GRADE_TIMEOUT_S = 120
TaskSet = Literal["dev", "held-out"]
SETS: tuple[TaskSet, ...] = ("dev", "held-out")


@dataclass(frozen=True)
class Task:
    name: str
    folder: Path

    @property
    def prompt(self) -> str:
        return (self.folder / "prompt.md").read_text().strip()

    @property
    def hub(self) -> dict[str, Any] | None:
        """What the local Hub must serve for this task, or None when it needs no Hub."""
        path = self.folder / "hub.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def prepare(self, workspace: Path) -> None:
        """Copy the starting files into `workspace` (created if needed)."""
        shutil.copytree(self.folder / "files", workspace, dirs_exist_ok=True)

    def grade(self, workspace: Path, answer_file: Path) -> tuple[bool, str]:
        """Run grade.py: (solved, the grader's one-line reason)."""
        done = subprocess.run(
            [sys.executable, str(self.folder / "grade.py"), str(workspace), str(answer_file)],
            capture_output=True, text=True, timeout=GRADE_TIMEOUT_S,
        )  # fmt: skip
        reason = (done.stdout.strip() or done.stderr.strip()).splitlines()[-1:] or [""]
        return done.returncode == 0, reason[0]


def all_tasks(names: list[str] | None = None, task_set: TaskSet = "dev") -> list[Task]:
    """The set's tasks in name order (only `names` when given; a name not in the set is an
    error)."""
    found = {
        p.parent.name: Task(p.parent.name, p.parent) for p in (HERE / task_set).glob("*/prompt.md")
    }
    unknown = sorted(set(names or ()) - set(found))
    if unknown:
        raise ValueError(
            f"unknown task(s) in the {task_set} set: {', '.join(unknown)}; "
            f"known: {', '.join(sorted(found))}"
        )
    return [found[n] for n in sorted(found) if not names or n in names]
