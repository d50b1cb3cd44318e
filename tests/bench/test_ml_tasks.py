"""Every ML benchmark task's grader fails the untouched workspace and passes its reference."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.ml_tasks.tasks import Task, all_tasks

TASKS = all_tasks()


def test_there_are_fourteen_tasks_or_more() -> None:
    assert len(TASKS) >= 14
    for task in TASKS:
        assert (
            task.prompt and (task.folder / "files").is_dir() and (task.folder / "solution").is_dir()
        )


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_grader_fails_untouched_and_passes_reference(task: Task, tmp_path: Path) -> None:
    workspace, answer = tmp_path / "ws", tmp_path / "answer.md"
    task.prepare(workspace)
    answer.write_text("")
    solved, reason = task.grade(workspace, answer)
    assert not solved, f"{task.name}: an untouched workspace passes ({reason})"

    solution = task.folder / "solution"
    if (solution / "files").is_dir():
        shutil.copytree(solution / "files", workspace, dirs_exist_ok=True)
    if (solution / "edits.json").is_file():
        for edit in json.loads((solution / "edits.json").read_text()):
            target = workspace / edit["path"]
            assert edit["old"] in target.read_text(), f"{task.name}: stale edit {edit}"
            target.write_text(target.read_text().replace(edit["old"], edit["new"]))
    if (solution / "answer.md").is_file():
        shutil.copy(solution / "answer.md", answer)
    solved, reason = task.grade(workspace, answer)
    assert solved, f"{task.name}: the reference solution fails: {reason}"
