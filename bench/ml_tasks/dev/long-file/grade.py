"""long-file: the answer gives warmup_ratio, set once deep inside a 60 kB settings.ini."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, says_number


def judge(_workspace: Path, answer: str) -> str | None:
    return says_number(answer, "0.063")


grade(judge)
