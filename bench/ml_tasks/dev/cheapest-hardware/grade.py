"""cheapest-hardware: the answer picks l40sx1 (26 GB of bf16 weights; 48 GB at $1.80/h) first."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import first_named, grade

FLAVORS = ["cpu-upgrade", "t4-small", "l4x1", "a10g-large", "a100-large", "l40sx1", "h100"]


def judge(_workspace: Path, answer: str) -> str | None:
    named = first_named(answer, FLAVORS)
    return None if named == "l40sx1" else f"the answer picks {named or 'no flavor'} first"


grade(judge)
