"""What the sandbox's git guard costs per command on a large workspace.

uv run python bench/git_guard.py [--files 100000] [--repos 20] [--repeats 5]

Builds a workspace of `--files` files in folders of 50 (plus `--repos` nested repositories at
every depth down to 12), then times, per sandboxed command: the walk before it (mount table
and snapshot, tools/local/tree_scan.py + git_guard.git_state) and the check after it (walk
again, compare, undo). The first walk lists every folder (cold); later walks only `lstat`
the folders whose entries did not change (warm). Target: the check after a command < 200 ms
on 100k files. Last line: a JSON summary.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import print_summary
from tools.local.git_guard import git_state, undo_plants
from tools.local.tree_scan import RACY_NS, TreeScan


def build(root: Path, files: int, repos: int) -> None:
    for n in range(files):
        folder = root / f"pkg{n // 2000}" / f"mod{n // 50 % 40}"
        if n % 50 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{n % 50}.py").touch()
    for n in range(repos):
        repo = root.joinpath(*[f"d{i}" for i in range(n % 12)], f"repo{n}")
        repo.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    old = time.time() - 2 * RACY_NS / 1e9  # as a workspace is: not all touched this second
    for folder, _dirs, _files in os.walk(root):
        os.utime(folder, (old, old))


def timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--repos", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-git-guard-", dir="/var/tmp"))
    os.environ["ML_INTERN_HOME"] = str(root / "home")
    try:
        ws = root / "ws"
        ws.mkdir()
        build(ws, args.files, args.repos)
        scan = TreeScan()
        cold, found = timed(lambda: scan.scan([str(ws)]))
        befores, afters = [], []
        for _ in range(args.repeats):
            t_before, state = timed(lambda: git_state(scan.scan([str(ws)])))
            t_after, notes = timed(lambda: undo_plants(state, git_state(scan.scan([str(ws)]))))  # noqa: B023
            befores.append(t_before)
            afters.append(t_after)
            assert notes == [], notes
        figures = {
            "bench": "git_guard",
            "files": args.files,
            "folders": found.folders,  # type: ignore[attr-defined]
            "repositories": len(found.gits),  # type: ignore[attr-defined]
            "cold_walk_ms": round(cold, 1),
            "before_ms_median": round(statistics.median(befores), 1),
            "after_ms_median": round(statistics.median(afters), 1),
            "after_ms_max": round(max(afters), 1),
        }
        for name, value in figures.items():
            print(f"{name:>22}  {value}")
        print_summary(figures)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
