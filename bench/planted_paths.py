"""What opening by descriptor costs (issue 51): the guarded open against a plain open, and the
undo journal's scan of a 10,000-file workspace.

    uv run python bench/planted_paths.py [--files 10000] [--rounds 5]

Figures (median of the rounds, wall time on an idle cache):
- `plain_read_us` / `guarded_read_us`: per file, `open(path).read()` against
  `tools.safe_paths.read_bytes` (openat2 beneath the workspace, fstat on the descriptor);
  `guarded_added_us` is the difference a tool call pays (goal: under 1,000 us).
- `journal_scan_cold_ms`: the journal's tree scan with nothing known (every file hashed).
- `journal_scan_warm_ms`: the same scan when nothing changed (one stat per path); the goal
  is within 1.2x of the scan before issue 51.

Each figure is printed and appended as a JSON line to bench/results/planted_paths.jsonl with
the commit, machine, cores, load average and date.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench" / "results" / "planted_paths.jsonl"


def make_workspace(root: Path, files: int) -> list[str]:
    """`files` small files in folders of 100; returns their relative paths."""
    rels = []
    for i in range(files):
        folder = root / f"src{i // 100:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"f{i:05d}.py").write_text(f"value = {i}\n" * 5)
        rels.append(f"src{i // 100:03d}/f{i:05d}.py")
    return rels


def timed(action: Callable[[], object], rounds: int) -> float:
    """The median wall time of `action` in seconds."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(files: int, rounds: int) -> dict[str, float]:
    from store.workspace_tree import Tree, TreeRules
    from tools.safe_paths import read_bytes

    with tempfile.TemporaryDirectory() as place:
        root = Path(place)
        rels = make_workspace(root, files)

        def plain() -> None:
            for rel in rels:
                with open(root / rel, "rb") as handle:
                    handle.read()

        def guarded() -> None:
            for rel in rels:
                read_bytes(root, rel)

        rules = TreeRules(skip=frozenset({".git"}), not_kept=(), max_file_bytes=10 << 20)
        tree = Tree(root, rules)
        known = tree.scan({})
        plain_s = timed(plain, rounds)
        guarded_s = timed(guarded, rounds)
        cold_s = timed(lambda: tree.scan({}), rounds)
        warm_s = timed(lambda: tree.scan(known), rounds)
    return {
        "plain_read_us": plain_s / files * 1e6,
        "guarded_read_us": guarded_s / files * 1e6,
        "guarded_added_us": (guarded_s - plain_s) / files * 1e6,
        "journal_scan_cold_ms": cold_s * 1000,
        "journal_scan_warm_ms": warm_s * 1000,
    }


def commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--note", default="", help="what this run measured (kept in the line)")
    args = parser.parse_args(argv)
    figures = measure(args.files, args.rounds)
    context = {
        "commit": commit(),
        "machine": platform.node(),
        "cores": os.cpu_count(),
        "load": os.getloadavg(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "files": args.files,
        "note": args.note,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        for figure, value in figures.items():
            print(f"{figure:24} {value:10.2f}")
            out.write(json.dumps({"figure": figure, "value": round(value, 3), **context}) + "\n")


if __name__ == "__main__":
    main()
