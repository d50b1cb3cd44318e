"""requirements-txt: requirements.txt names exactly the PyPI packages src/ imports (any versions)."""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade

NEEDED = {"numpy", "pandas", "pyyaml", "tqdm", "scikit-learn", "pillow"}


def names(text: str) -> set[str]:
    """The distribution names of a requirements file, normalised (PEP 503), versions dropped."""
    found = set()
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name = re.match(r"[A-Za-z0-9._-]+", line)
            found.add(re.sub(r"[-_.]+", "-", name.group(0)).lower() if name else line)
    return found


def judge(workspace: Path, _answer: str) -> str | None:
    path = workspace / "requirements.txt"
    if not path.is_file():
        return "no requirements.txt"
    given = names(path.read_text())
    missing, extra = sorted(NEEDED - given), sorted(given - NEEDED)
    if missing or extra:
        return f"requirements.txt misses {missing} and has extra {extra}"
    return None


grade(judge)
