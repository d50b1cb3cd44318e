"""What opening by descriptor costs (issue 51): the guarded open against a plain open, and the
undo journal's scan of a 10,000-file workspace.

    uv run python bench/planted_paths.py [--files 10000] [--rounds 5] [--baseline 8393295]

Figures (the best of the rounds, wall time, warm page cache: the machine is shared, and the
best round is the one least disturbed by others' load):
- `plain_read_us` / `guarded_read_us`: per file, `open(path).read()` against
  `tools.safe_paths.read_bytes` (openat2 beneath the workspace, fstat on the descriptor);
  `guarded_added_us` is the difference a tool call pays (goal: under 1,000 us).
- `journal_scan_cold_ms`: the journal's tree scan with nothing known (every file hashed).
- `journal_scan_warm_ms`: the same scan when nothing changed (one stat per path); the goal
  is within 1.2x of the scan before issue 51.
- `journal_write_call_us`: what the journal adds to one `write` call (the path read before
  and after through its descriptor, the content stored in SQLite); goal: under 1,000 us.
- With `--baseline REV`: `baseline_scan_cold_ms` / `baseline_scan_warm_ms`, the tree scan of
  that commit timed in turn with today's on the same files, and `scan_cold_ratio` /
  `scan_warm_ratio` (today's over the baseline's).

Each figure is printed and appended as a JSON line to bench/results/planted_paths.jsonl with
the commit, machine, cores, load average and date.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

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


def timed(actions: list[Callable[[], object]], rounds: int) -> list[float]:
    """The best wall time of each action over `rounds`, in seconds; the actions take turns
    round by round, so a shared machine's load falls on all of them alike."""
    best = [float("inf")] * len(actions)
    for _ in range(rounds):
        for n, action in enumerate(actions):
            started = time.perf_counter()
            action()
            best[n] = min(best[n], time.perf_counter() - started)
    return best


def tree_module(rev: str | None) -> ModuleType:
    """store/workspace_tree.py as it is now, or as it was at the commit `rev`."""
    if rev is None:
        from store import workspace_tree

        return workspace_tree
    source = subprocess.run(
        ["git", "show", f"{rev}:store/workspace_tree.py"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    module = sys.modules["baseline_workspace_tree"] = ModuleType("baseline_workspace_tree")
    exec(compile(source, f"{rev}:store/workspace_tree.py", "exec"), module.__dict__)
    return module


def measure(files: int, rounds: int, baseline: str | None) -> dict[str, float]:
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

        plain_s, guarded_s = timed([plain, guarded], rounds)
        figures = {
            "plain_read_us": plain_s / files * 1e6,
            "guarded_read_us": guarded_s / files * 1e6,
            "guarded_added_us": (guarded_s - plain_s) / files * 1e6,
        }
        names = {"journal": None} | ({"baseline": baseline} if baseline else {})
        scans = []
        for rev in names.values():
            module = tree_module(rev)
            rules = module.TreeRules(skip=frozenset({".git"}), not_kept=(), max_file_bytes=10 << 20)
            tree = module.Tree(root, rules)
            known = tree.scan({})
            scans += [lambda t=tree: t.scan({}), lambda t=tree, k=known: t.scan(k)]
        times = timed(scans, rounds)
        for n, name in enumerate(names):
            figures[f"{name}_scan_cold_ms"] = times[2 * n] * 1000
            figures[f"{name}_scan_warm_ms"] = times[2 * n + 1] * 1000
        figures["journal_write_call_us"] = write_call_us(root, rels, rounds)
        if baseline:
            for which in ("cold", "warm"):
                now, then = (
                    figures[f"journal_scan_{which}_ms"],
                    figures[f"baseline_scan_{which}_ms"],
                )
                figures[f"scan_{which}_ratio"] = now / then
    return figures


def write_call_us(root: Path, rels: list[str], rounds: int) -> float:
    """What the journal adds to one `write` call (its path read before and after by
    descriptor, the new content stored), per call, best of `rounds` runs of 100 calls."""
    from configs.undo_settings import UndoSettings
    from store.workspace_journal import open_journal

    with tempfile.TemporaryDirectory() as home:
        journal = open_journal(UndoSettings(), Path(home), Path(home) / "threads.sqlite")
        assert journal is not None
        calls = iter(range(1 << 30))

        def hundred_writes() -> None:
            for rel in rels[:100]:
                n = next(calls)
                recording = journal.start(
                    "paths", [rel], thread_id="t", call_id=f"c{n}", workspace=root
                )
                (root / rel).write_text(f"written by call {n}\n")
                journal.finish(recording)  # type: ignore[arg-type]

        best = timed([hundred_writes], rounds)[0]
        journal.close()
    return best / 100 * 1e6


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
    parser.add_argument(
        "--baseline",
        help="a commit whose store/workspace_tree.py is timed alongside (e.g. 8393295)",
    )
    args = parser.parse_args(argv)
    figures = measure(args.files, args.rounds, args.baseline)
    context = {
        "commit": commit(),
        "machine": platform.node(),
        "cores": os.cpu_count(),
        "load": os.getloadavg(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "files": args.files,
        "rounds": args.rounds,
        "baseline": args.baseline,
        "stat": "min",
        "note": args.note,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        for figure, value in figures.items():
            print(f"{figure:24} {value:10.2f}")
            out.write(json.dumps({"figure": figure, "value": round(value, 3), **context}) + "\n")


if __name__ == "__main__":
    main()
