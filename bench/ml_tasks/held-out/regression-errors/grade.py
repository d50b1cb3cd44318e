"""regression-errors: the answer gives the RMSE and the MAE (each ±0.01)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden, says_about


def judge(_workspace: Path, answer: str) -> str | None:
    expected = json.loads(hidden(__file__, "expected.json"))
    return says_about(answer, expected["rmse"], 0.01) or says_about(answer, expected["mae"], 0.01)


grade(judge)
