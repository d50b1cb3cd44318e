"""param-count: the answer gives the parameters of the model built from config.json (not the
defaults in model.py): 12000*128 + (128*64 + 64) + 2*64 + (64*3 + 3) = 1,544,579."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, says_number


def judge(_workspace: Path, answer: str) -> str | None:
    return says_number(answer, "1544579")


grade(judge)
