"""What the workspace record costs per step, and what a restore takes (issue 34).

    uv run python bench/rewind.py [--files 10000] [--dataset-mb 500] [--steps 20]

A workspace of N small files plus one large dataset file; a step is one `bash`-like call
recorded as `execute_tools` records it (a scan before and after). Prints the CPU ms per
step with nothing changed and with one file changed, the bytes stored per step, the first
scan (every kept file hashed and stored once) and the time to restore a step.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import print_summary


def make_workspace(root: Path, files: int, dataset_mb: int) -> None:
    for i in range(files):
        folder = root / f"src{i // 100:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"f{i:05d}.py").write_text(f"value = {i}\n" * 5)
    with open(root / "dataset.bin", "wb") as handle:  # sparse: its size, not its blocks
        handle.truncate(dataset_mb * 1024 * 1024)


def stored_bytes(home: Path) -> int:
    """What the record holds: compressed contents plus the calls' change lists."""
    with sqlite3.connect(home / "threads.sqlite") as db:
        blobs = db.execute("SELECT coalesce(sum(length(data)), 0) FROM ml_intern_blobs")
        rows = db.execute(
            "SELECT coalesce(sum(length(changes)), 0) FROM ml_intern_workspace_changes"
        )
        return int(blobs.fetchone()[0]) + int(rows.fetchone()[0])


def step(journal, root: Path, call_id: str, change: bool) -> float:  # type: ignore[no-untyped-def]
    started = time.process_time()
    recording = journal.start("programs", [], thread_id="t", call_id=call_id, workspace=root)
    if change:
        (root / "src000" / "f00000.py").write_text(f"changed in {call_id}\n")
    journal.finish(recording)
    return (time.process_time() - started) * 1000


def main(argv: list[str] | None = None) -> None:
    from configs.undo_settings import UndoSettings
    from store.workspace_journal import open_journal
    from store.workspace_undo import undo_calls

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--dataset-mb", type=int, default=500)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root, home = Path(tmp) / "ws", Path(tmp) / "home"
        root.mkdir()
        home.mkdir()
        make_workspace(root, args.files, args.dataset_mb)
        journal = open_journal(UndoSettings(), home, home / "threads.sqlite")
        assert journal is not None
        first = step(journal, root, "first", change=False)
        after_first = stored_bytes(home)
        idle = [step(journal, root, f"idle{i}", change=False) for i in range(args.steps)]
        idle_bytes = stored_bytes(home) - after_first
        before = stored_bytes(home)
        busy = [step(journal, root, f"busy{i}", change=True) for i in range(args.steps)]
        busy_bytes = (stored_bytes(home) - before) / args.steps
        started = time.perf_counter()
        calls = [f"busy{i}" for i in range(args.steps)]
        report, _ = undo_calls(journal, home, "t", calls, workspace=root)
        restore_ms = (time.perf_counter() - started) * 1000
        journal.close()
        print(
            f"workspace: {args.files:,} small files + a {args.dataset_mb} MB dataset (load {os.getloadavg()[0]:.1f})"
        )
        print(
            f"first scan (hash and store every kept file once): {first:.0f} ms CPU, {after_first / 1e6:.1f} MB"
        )
        print(
            f"step, nothing changed: median {statistics.median(idle):.1f} ms CPU (min {min(idle):.1f}, max {max(idle):.1f}); {idle_bytes / args.steps:.0f} bytes/step"
        )
        print(
            f"step, one file changed: median {statistics.median(busy):.1f} ms CPU; {busy_bytes:.0f} bytes/step "
        )
        print(
            f"restore of {args.steps} steps ({len(report.restored)} file): {restore_ms:.0f} ms wall"
        )
        summary = {
            "bench": "rewind",
            "files": args.files,
            "first_scan_ms": round(first, 1),
            "idle_step_ms": round(statistics.median(idle), 2),
            "idle_step_bytes": idle_bytes / args.steps,
            "changed_step_ms": round(statistics.median(busy), 2),
            "changed_step_bytes": busy_bytes,
            "restore_ms": round(restore_ms, 1),
            "restored": report.restored,
        }
        print_summary(summary)


if __name__ == "__main__":
    main()
