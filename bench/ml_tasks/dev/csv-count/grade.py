"""csv-count: the answer gives the number of north rows with an amount above 100."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden, says_number


def judge(_workspace: Path, answer: str) -> str | None:
    return says_number(answer, hidden(__file__, "expected.txt").strip())


grade(judge)
