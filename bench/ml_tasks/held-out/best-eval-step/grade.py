"""best-eval-step: the answer gives the step of the lowest eval_loss and that loss."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden, says_number


def judge(_workspace: Path, answer: str) -> str | None:
    expected = json.loads(hidden(__file__, "expected.json"))
    return says_number(answer, str(expected["step"])) or says_number(
        answer, str(expected["eval_loss"])
    )


grade(judge)
