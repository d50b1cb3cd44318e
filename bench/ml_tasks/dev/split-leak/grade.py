"""split-leak: leaked_ids.txt names exactly the test rows whose text is also in train.csv."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden


def judge(workspace: Path, _answer: str) -> str | None:
    path = workspace / "leaked_ids.txt"
    if not path.is_file():
        return "no leaked_ids.txt"
    expected = set(hidden(__file__, "leaked_ids.txt").split())
    given = {line.strip().strip(",") for line in path.read_text().splitlines() if line.strip()}
    if given != expected:
        return f"{len(given & expected)} of {len(expected)} leaked ids found, {len(given - expected)} wrong"
    return None


grade(judge)
