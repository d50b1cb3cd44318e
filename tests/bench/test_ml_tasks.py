"""Every ML benchmark task's grader, in both sets, fails the untouched workspace and passes its
reference; the held-out set's graders also fail the tempting wrong answers, and no rule names a
held-out task."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.ml_tasks.tasks import SETS, Task, all_tasks

ROOT = Path(__file__).resolve().parents[2]
TASKS = {task_set: all_tasks(task_set=task_set) for task_set in SETS}
EVERY_TASK = [(s, t) for s in SETS for t in TASKS[s]]
# What the product is made of (and its own tests): a held-out task named here is a rule fitted to it.
PRODUCT = ("cli", "serve", "graph", "store", "nodes", "tools", "configs", "skills", "web", "space")


def lay_solution(task: Task, workspace: Path, answer: Path) -> None:
    """The reference solution over a prepared workspace: files, edits and the answer."""
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


@pytest.mark.parametrize("task_set", SETS)
def test_each_set_has_fourteen_tasks_or_more(task_set: str) -> None:
    assert len(TASKS[task_set]) >= 14
    for task in TASKS[task_set]:
        assert (
            task.prompt and (task.folder / "files").is_dir() and (task.folder / "solution").is_dir()
        )


def test_the_sets_share_no_task_name() -> None:
    dev, held_out = ({t.name for t in TASKS[s]} for s in SETS)
    assert not dev & held_out


@pytest.mark.parametrize(("task_set", "task"), EVERY_TASK, ids=lambda x: getattr(x, "name", x))
def test_grader_fails_untouched_and_passes_reference(
    task_set: str, task: Task, tmp_path: Path
) -> None:
    workspace, answer = tmp_path / "ws", tmp_path / "answer.md"
    task.prepare(workspace)
    answer.write_text("")
    solved, reason = task.grade(workspace, answer)
    assert not solved, f"{task_set}/{task.name}: an untouched workspace passes ({reason})"

    lay_solution(task, workspace, answer)
    solved, reason = task.grade(workspace, answer)
    assert solved, f"{task_set}/{task.name}: the reference solution fails: {reason}"


# The held-out set's traps: an answer a careless run gives, and why the grader refuses it.
WRONG_ANSWERS = {
    "latency-median": "The median latency_ms of the /predict requests is 170.",  # status ignored
    "missing-values": "annual_income has the most missing values: 19.",
    "orders-join": "The orders total 25113.",  # not to two decimals: 0.98 off
    "dedupe-jsonl": "I removed 16 duplicate rows.",
    "regression-errors": "RMSE 58.56, MAE 4.78",  # the MSE given as the RMSE
    "best-eval-step": "eval_loss was lowest at the last step, 3000: 0.7418.",
    "param-count": "The model has 772,997 trainable parameters.",  # model.py's defaults
    "hub-license-pick": "bluefin-ai/sentiment-large: it has the most downloads.",  # cc-by-nc
    "hub-config-layers": "It has 26 hidden layers; its hidden size is 6144.",  # intermediate
    "multi-gpu-flavor": "l4x4: 96 GB hold the 93.4 GB of weights.",  # the margin forgotten
}
WRONG_FILES = {
    "category-counts": {"category_counts.json": '{"billing": 41, "bug": 57, "account": 31}'},
    "macro-f1": {"report.json": '{"accuracy": 0.7889, "macro_f1": 0.7822}'},  # weighted F1
    "requirements-txt": {"requirements.txt": "numpy\npandas\nyaml\ntqdm\nsklearn\nPillow\n"},
    "yaml-hparams": {"config.yaml": "training:\n  learning_rate: 3e-5\n  num_train_epochs: 5\n"},
    "train-regressor": {"predictions.csv": "id,price\n" + "".join(
        f"{i},250000\n" for i in range(401, 501))},  # the mean price: R² near 0
}  # fmt: skip


@pytest.mark.parametrize(
    "task",
    [t for t in TASKS["held-out"] if t.name in WRONG_ANSWERS | WRONG_FILES],
    ids=lambda t: t.name,
)
def test_held_out_grader_refuses_the_tempting_wrong_attempt(task: Task, tmp_path: Path) -> None:
    workspace, answer = tmp_path / "ws", tmp_path / "answer.md"
    task.prepare(workspace)
    lay_solution(task, workspace, answer)
    if task.name in WRONG_ANSWERS:
        answer.write_text(WRONG_ANSWERS[task.name])
    for name, text in WRONG_FILES.get(task.name, {}).items():
        (workspace / name).write_text(text)
    solved, reason = task.grade(workspace, answer)
    assert not solved, f"{task.name}: a wrong attempt passes"
    assert reason and reason != "solved"


def test_no_product_file_names_a_held_out_task() -> None:
    names = [t.name for t in TASKS["held-out"]]
    places = [ROOT / p for p in PRODUCT] + [p for p in (ROOT / "tests").iterdir() if p.is_dir()]
    cited = []
    for place in places:
        if place.name == "bench":
            continue
        for path in place.rglob("*"):
            if path.is_file() and path.suffix in {".py", ".md", ".json", ".txt", ".toml", ".js"}:
                text = path.read_text(errors="replace")
                cited += [f"{path.relative_to(ROOT)}: {n}" for n in names if n in text]
    assert not cited, "held-out tasks named outside bench/: " + "; ".join(cited)
