"""chunk-bug: the workspace's chunking.py passes the grader's own copy of test_chunking.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, run_with

TESTS = Path(__file__).resolve().parent / "files" / "test_chunking.py"  # the pristine copy


def judge(workspace: Path, _answer: str) -> str | None:
    code = (workspace / "chunking.py").read_bytes()
    run = run_with(
        {"chunking.py": code, "test_chunking.py": TESTS.read_bytes()}, "test_chunking.py"
    )
    if run.returncode != 0 or "all tests passed" not in run.stdout:
        return f"test_chunking.py fails: {(run.stderr or run.stdout).strip().splitlines()[-1:]}"
    return None


grade(judge)
