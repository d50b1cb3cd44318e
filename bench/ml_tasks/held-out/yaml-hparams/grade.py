"""yaml-hparams: config.yaml has learning_rate 3e-5 and 5 epochs, every other line unchanged."""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade

ORIGINAL = Path(__file__).resolve().parent / "files" / "config.yaml"
WANTED = {"learning_rate": 3e-5, "num_train_epochs": 5.0}


def value(line: str) -> float | None:
    """The number after the key of `  key: value`, quotes allowed; None when not a number."""
    try:
        return float(line.split(":", 1)[1].split("#")[0].strip().strip("'\""))
    except (IndexError, ValueError):
        return None


def judge(workspace: Path, _answer: str) -> str | None:
    path = workspace / "config.yaml"
    if not path.is_file():
        return "no config.yaml"
    before = [x.rstrip() for x in ORIGINAL.read_text().splitlines()]
    after = [x.rstrip() for x in path.read_text().splitlines()]
    while after and not after[-1]:
        after.pop()
    if len(after) != len(before):
        return f"config.yaml has {len(after)} lines, not {len(before)}: something else changed"
    for old, new in zip(before, after, strict=True):
        key = re.match(r"\s*(\w+):", old)
        if key and key.group(1) in WANTED:
            if not new.startswith(old.split(":")[0] + ":"):
                return f"the line {old.strip()!r} became {new.strip()!r}"
            got = value(new)
            if got is None or abs(got - WANTED[key.group(1)]) > 1e-12:
                return f"{key.group(1)} is {new.split(':', 1)[1].strip()!r}"
        elif new != old:
            return f"the line {old.strip()!r} was changed to {new.strip()!r}"
    return None


grade(judge)
