"""fix-bug: the workspace's stats.py passes the grader's own copy of check.py."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade

CHECK = Path(__file__).resolve().parent / "files" / "check.py"  # the pristine copy


def judge(workspace: Path, _answer: str) -> str | None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(workspace / "stats.py", tmp)
        shutil.copy(CHECK, tmp)
        run = subprocess.run([sys.executable, "check.py"], cwd=tmp, capture_output=True,
                             text=True, timeout=60)  # fmt: skip
    if run.returncode != 0 or "OK" not in run.stdout:
        return f"check.py fails: {(run.stderr or run.stdout).strip().splitlines()[-1:]}"
    return None


grade(judge)
