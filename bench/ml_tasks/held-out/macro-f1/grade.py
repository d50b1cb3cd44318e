"""macro-f1: report.json gives the accuracy and the macro-averaged F1 (each ±0.005)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden


def judge(workspace: Path, _answer: str) -> str | None:
    path = workspace / "report.json"
    if not path.is_file():
        return "no report.json"
    expected = json.loads(hidden(__file__, "expected.json"))
    given = json.loads(path.read_text())
    if not isinstance(given, dict):
        return "report.json is not an object"
    for key in ("accuracy", "macro_f1"):
        value = given.get(key)
        if not isinstance(value, (int, float)) or abs(value - expected[key]) > 0.005:
            return f"{key} {value} is wrong"
    return None


grade(judge)
