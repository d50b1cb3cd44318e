"""largest-file: the answer names data/train.jsonl first among the workspace's files."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import first_named, grade

FILES = ["train.jsonl", "val.jsonl", "notes.md", "config.json", "train.py", "README"]


def judge(_workspace: Path, answer: str) -> str | None:
    named = first_named(answer, FILES)
    return None if named == "train.jsonl" else f"the answer names {named or 'no file'} first"


grade(judge)
