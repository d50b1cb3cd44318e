"""hub-license-pick: the answer picks quarry-labs/review-classifier (MIT, the most downloads of the
two commercial licenses; the most downloaded candidate is non-commercial) first."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import first_named, grade

MODELS = ["sentiment-base", "sentiment-large", "review-classifier"]


def judge(_workspace: Path, answer: str) -> str | None:
    named = first_named(answer, MODELS)
    return None if named == "review-classifier" else f"the answer picks {named or 'no model'} first"


grade(judge)
