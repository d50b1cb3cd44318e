"""train-regressor: predictions.csv prices every test house with R² >= 0.85 on held-out prices."""

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
        r["id"]: float(r["price"])
        for r in csv.DictReader(hidden(__file__, "test_prices.csv").splitlines())
    }
    with path.open(newline="") as handle:
        given = {
            str(r.get("id", "")).strip().removesuffix(".0"): str(r.get("price", "")).strip()
            for r in csv.DictReader(handle)
        }
    if set(given) != set(truth):
        return f"predictions.csv covers {len(set(given) & set(truth))} of the {len(truth)} test ids"
    mean = sum(truth.values()) / len(truth)
    total = sum((y - mean) ** 2 for y in truth.values())
    residual = sum((float(given[k]) - y) ** 2 for k, y in truth.items())
    r2 = 1 - residual / total
    return None if r2 >= TARGET else f"R² {r2:.3f} < {TARGET}"


grade(judge)
