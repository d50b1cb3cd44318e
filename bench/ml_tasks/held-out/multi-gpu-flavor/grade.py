"""multi-gpu-flavor: the answer picks l40sx4 first (93.4 GB of bf16 weights + 20% = 112 GB; the
96 GB flavors hold the weights but not the margin)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import first_named, grade

FLAVORS = ["cpu-upgrade", "t4-medium", "l4x1", "a100-large", "a10g-largex2", "l4x4", "h100",
           "a10g-largex4", "l40sx4", "l40sx8"]  # fmt: skip


def judge(_workspace: Path, answer: str) -> str | None:
    named = first_named(answer, FLAVORS)
    return None if named == "l40sx4" else f"the answer picks {named or 'no flavor'} first"


grade(judge)
