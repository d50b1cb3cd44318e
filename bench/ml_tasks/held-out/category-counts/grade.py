"""category-counts: category_counts.json maps every ticket category to its exact count."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, hidden


def judge(workspace: Path, _answer: str) -> str | None:
    path = workspace / "category_counts.json"
    if not path.is_file():
        return "no category_counts.json"
    expected = json.loads(hidden(__file__, "expected.json"))
    given = json.loads(path.read_text())
    if not isinstance(given, dict):
        return "category_counts.json is not an object"
    if set(given) != set(expected):
        return f"categories {sorted(given)}, expected {sorted(expected)}"
    wrong = [k for k, n in expected.items() if given[k] != n or isinstance(given[k], bool)]
    return f"wrong counts for: {', '.join(sorted(wrong))}" if wrong else None


grade(judge)
