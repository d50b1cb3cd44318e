"""The clean-clone CI's wall time and the suite's within it (issue 63: suite <= 300 s, CI <= 360 s).

Clones this checkout's HEAD into a temporary directory and runs `bash .ci/run` there with
`CI=true`, as CI does (the first `uv sync` of the clone included). Figures: the whole run's wall
(`ci_wall.ci_s`), the suite's own (pytest's closing line, `ci_wall.suite_s`), the tests passed,
and the summed test time (the file-durations footer, tests/file_durations.py:
`ci_wall.test_time_s`). A run that fails records nothing and prints the end of its log.

    uv run python bench/ci_wall.py [--log FILE]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, print_summary, print_table

PASSED = re.compile(r"=+ (?:(\d+) failed, )?(\d+) passed\b.* in ([\d.]+)s")
SUMMED = re.compile(r"^\s*([\d.]+)s in all, (\d+) files$", re.MULTILINE)


def suite_figures(log: str) -> dict[str, float]:
    """The suite's figures from a CI log: tests passed, its wall and the summed test time.
    Raises ValueError when the log has no passing suite (a failure, or no pytest line)."""
    found = PASSED.findall(log)
    if not found or found[-1][0]:
        raise ValueError("the log has no passing pytest run")
    _, passed, wall = found[-1]
    summed = SUMMED.findall(log)
    figures = {"tests": int(passed), "suite_s": float(wall)}
    if summed:
        figures["test_time_s"] = float(summed[-1][0])
    return figures


def run_ci(clone: Path, log_path: Path) -> tuple[int, float]:
    """`bash .ci/run` in `clone`, its output to `log_path`: (exit code, wall seconds)."""
    env = {**os.environ, "CI": "true"}
    began = time.monotonic()
    with log_path.open("wb") as log:
        code = subprocess.run(
            ["bash", ".ci/run"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT
        ).returncode
    return code, time.monotonic() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--log", type=Path, help="keep the CI log here (default: a temp file)")
    args = parser.parse_args(argv)
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="ci-wall-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        # The clone's commit: one made here while CI runs is not the one measured.
        commit = subprocess.run(
            ["git", "-C", str(clone), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        log_path = args.log or Path(tmp) / "ci.log"
        code, wall = run_ci(clone, log_path)
        log = log_path.read_text(encoding="utf-8", errors="replace")
    if code != 0:
        sys.exit(f"CI failed (exit {code}); the end of its log:\n{log[-4000:]}")
    figures: dict[str, Any] = {"ci_s": round(wall, 1), **suite_figures(log)}
    rows = [[key, value] for key, value in figures.items()]
    print_table(f"A clean clone's CI, load before {load_before}", rows, ["figure", "value"])
    # The load before: the CI fills both cores itself, so the load after it says nothing of others.
    print_summary({"bench": "ci_wall", **figures}, load=load_before, commit=commit)


if __name__ == "__main__":
    main()
