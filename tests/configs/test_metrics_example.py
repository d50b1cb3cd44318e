"""A small model is shown how to score a table of true values and predictions, as counts
(bench/README.md, f1-confusion)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from configs.metrics_example import metrics_example
from configs.prompt import runtime_note
from tests.configs.test_prompt_snapshot import check_snapshot

SCORED = "notes.md 1 kB\npredictions.csv 430 B, first line: id,label,prediction"


def test_the_metrics_example_in_the_runtime_note_snapshot() -> None:
    note = runtime_note(today=dt.date(2026, 1, 2), workspace="/ws", small=True, files=SCORED)
    check_snapshot("runtime_note_metrics_example.md", note + "\n")
    assert "f1_score" not in runtime_note(workspace="/ws", files=SCORED)  # large window


def test_the_example_prints_the_f1_and_the_confusion_matrix_as_counts(tmp_path: Path) -> None:
    rows = [(1, 1)] * 23 + [(0, 1)] * 8 + [(1, 0)] * 6 + [(0, 0)] * 23
    lines = "".join(f"{i},{t},{p}\n" for i, (t, p) in enumerate(rows))
    (tmp_path / "predictions.csv").write_text("id,label,prediction\n" + lines)
    program = (metrics_example(SCORED) or "").split("<<'EOF'\n", 1)[1].rsplit("\nEOF", 1)[0]
    shown = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, check=True, capture_output=True, text=True
    ).stdout
    assert "f1: 0.766666" in shown  # 2 x 23 / (2 x 23 + 8 + 6)
    assert shown.rstrip().endswith("[[23, 8], [6, 23]]")  # counts, not fractions


def test_other_names_for_truths_and_predictions_are_found_and_other_tables_are_not() -> None:
    assert "`target`" in (metrics_example("s.csv 1 kB, first line: target,y_pred") or "")
    for files in (
        "p.csv 1 kB, first line: id,label",
        "p.csv 1 kB, first line: id,prediction",
        "p'x.csv 1 kB, first line: label,prediction",  # a name that is not plain code
        "p.md 1 kB",
    ):
        assert metrics_example(files) is None, files
