"""latency-median: the answer gives the median latency of the successful /predict requests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden, says_number


def judge(_workspace: Path, answer: str) -> str | None:
    return says_number(answer, hidden(__file__, "expected.txt").strip())


grade(judge)
