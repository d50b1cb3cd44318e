"""dedupe-jsonl: deduped.jsonl keeps each text's first row, in order; the answer says 17 removed."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden, says_number


def rows(text: str) -> list[object]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def judge(workspace: Path, answer: str) -> str | None:
    path = workspace / "deduped.jsonl"
    if not path.is_file():
        return "no deduped.jsonl"
    expected, given = rows(hidden(__file__, "deduped.jsonl")), rows(path.read_text())
    if given != expected:
        return f"deduped.jsonl has {len(given)} rows, not the {len(expected)} expected in order"
    return says_number(answer, "17")


grade(judge)
