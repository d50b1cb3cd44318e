"""train-classifier: predictions.csv gives a label to every test row, at least 85% of them right."""

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden

TARGET = 0.85


def judge(workspace: Path, _answer: str) -> str | None:
    path = workspace / "predictions.csv"
    if not path.is_file():
        return "no predictions.csv"
    truth = {
        r["id"]: r["label"]
        for r in csv.DictReader(hidden(__file__, "test_labels.csv").splitlines())
    }
    with path.open(newline="") as handle:
        given = {
            str(r.get("id", "")).strip(): str(r.get("label", "")).strip()
            for r in csv.DictReader(handle)
        }
    given = {k.removesuffix(".0"): v.removesuffix(".0") for k, v in given.items()}
    if set(given) != set(truth):
        return f"predictions.csv covers {len(set(given) & set(truth))} of the {len(truth)} test ids"
    accuracy = sum(given[k] == v for k, v in truth.items()) / len(truth)
    return None if accuracy >= TARGET else f"accuracy {accuracy:.2f} < {TARGET}"


grade(judge)
