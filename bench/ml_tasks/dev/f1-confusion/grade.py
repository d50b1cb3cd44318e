"""f1-confusion: metrics.json has the positive class's F1 (±0.005) and the exact confusion matrix."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden


def judge(workspace: Path, _answer: str) -> str | None:
    path = workspace / "metrics.json"
    if not path.is_file():
        return "no metrics.json"
    expected = json.loads(hidden(__file__, "expected.json"))
    given = json.loads(path.read_text())
    if not isinstance(given, dict):
        return "metrics.json is not an object"
    if given.get("confusion_matrix") != expected["confusion_matrix"]:
        return f"confusion_matrix {given.get('confusion_matrix')} is wrong"
    f1 = given.get("f1")
    if not isinstance(f1, (int, float)) or abs(f1 - expected["f1"]) > 0.005:
        return f"f1 {f1} is wrong"
    return None


grade(judge)
