"""hub-config-layers: the answer gives the Hub model's num_hidden_layers (26) and hidden_size (2304)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, says_number


def judge(_workspace: Path, answer: str) -> str | None:
    return says_number(answer, "26") or says_number(answer, "2304")


grade(judge)
