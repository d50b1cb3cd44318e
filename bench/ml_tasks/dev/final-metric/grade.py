"""final-metric: the answer gives the last epoch's eval accuracy (not an earlier epoch's)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, says_number

FINAL, EARLIER = "0.9134", ("0.8123", "0.8791")


def judge(_workspace: Path, answer: str) -> str | None:
    if problem := says_number(answer, FINAL):
        return problem
    if all(says_number(answer, e) is None for e in EARLIER):
        return "the answer lists every epoch's accuracy without saying which is last"
    return None


grade(judge)
