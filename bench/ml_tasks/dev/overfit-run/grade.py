"""overfit-run: the answer names lr-1e-3 (eval loss rises while training loss falls) first."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import first_named, grade

RUNS = ["lr-1e-3", "lr-1e-4", "lr-3e-5"]


def judge(_workspace: Path, answer: str) -> str | None:
    named = first_named(answer, RUNS)
    return None if named == "lr-1e-3" else f"the answer names {named or 'no run'} first"


grade(judge)
