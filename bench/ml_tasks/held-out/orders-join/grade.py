"""orders-join: the answer gives the total amount of the orders of the clients in DE (±0.01)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden, says_about


def judge(_workspace: Path, answer: str) -> str | None:
    return says_about(answer, float(hidden(__file__, "expected.txt")), 0.01)


grade(judge)
