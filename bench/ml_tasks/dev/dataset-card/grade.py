"""dataset-card: README.md has the front matter asked for and the right counts and columns."""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade

FACTS = {"rows": "40", "pos rows": "23", "neg rows": "17"}


def judge(workspace: Path, _answer: str) -> str | None:
    path = workspace / "README.md"
    if not path.is_file():
        return "no README.md"
    parts = path.read_text().split("---", 2)
    if len(parts) < 3 or parts[0].strip():
        return "README.md does not start with front matter between --- lines"
    front, body = parts[1], parts[2]
    if not re.search(r"^license:\s*mit\s*$", front, re.M):
        return "no license: mit in the front matter"
    if "text-classification" not in front:
        return "no text-classification task category in the front matter"
    words = set(re.findall(r"[\w-]+", body.lower()))
    missing = [f for f, n in FACTS.items() if n not in words] + [
        c for c in ("text", "label", "pos", "neg") if c not in words
    ]
    return f"the card does not give: {', '.join(missing)}" if missing else None


grade(judge)
