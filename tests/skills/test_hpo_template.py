"""The Optuna template runs a small study on CPU and keeps it in a private dataset repo."""

from __future__ import annotations

import re
import sqlite3
import tempfile
from pathlib import Path

import pytest

from tests.skills import tiny
from tests.skills.conftest import SKILLS, run_template
from tests.skills.hub import ModelHub

SCRIPT = SKILLS / "hpo-optuna" / "hpo_sft.py"
# A training run in its own process: imports alone take ~10 s of CPU.
pytestmark = pytest.mark.timeout(600)


def test_study_runs_reports_the_best_settings_and_is_pushed_after_each_trial(
    tiny_lm: Path, hub: ModelHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    rows = [
        {"messages": [{"role": "user", "content": r["instruction"]},
                      {"role": "assistant", "content": r["output"]}]}
        for r in tiny.chat_rows()
    ]  # fmt: skip
    data = tiny.write_jsonl(tmp_path / "data", "train", rows)
    args = [
        "--model-id", str(tiny_lm), "--dataset-id", str(data), "--results-repo", "alice/hpo",
        "--n-trials", "3", "--max-steps", "2", "--eval-steps", "1", "--max-samples", "24",
        "--max-eval-samples", "8", "--max-length", "64",
    ]  # fmt: skip
    trial_dirs = set(Path(tempfile.gettempdir()).glob("trial*-*"))
    done = run_template(SCRIPT, args, template_env, tmp_path)

    assert re.search(r"trials: \d complete, \d pruned", done.stdout), done.stdout[-2000:]
    best = re.search(r"best eval_loss ([0-9.]+) with \{'learning_rate'", done.stdout)
    assert best and float(best.group(1)) > 0
    repo = hub.repo("datasets", "alice/hpo")
    assert repo.private and {"study.db", "trials.csv"} <= set(repo.files)
    db = tmp_path / "pushed.db"
    db.write_bytes(repo.files["study.db"])
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute("select count(*) from trials").fetchone()
    assert count == 3
    uploads = [r for r in hub.requests if r.method == "POST" and "/commit/" in r.path]
    assert len(uploads) >= 3  # after every trial, not only at the end
    # A trial's directory (its logs; nothing is saved) is gone when the trial ends.
    assert set(Path(tempfile.gettempdir()).glob("trial*-*")) == trial_dirs
