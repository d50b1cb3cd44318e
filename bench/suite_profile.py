"""Where the suite's time goes, per test file: its wall, the worker's CPU, its reaped children's
CPU, its zygote runs' CPU and the cores left idle while it ran (issue 63: which tests wait, which
compute).

Runs pytest (this checkout's settings: three xdist workers) with the plugin bench/suite_clock.py,
which writes one line per test, while a thread reads the machine's busy and idle time from
/proc/stat every half second. The idle core-seconds of each half second are shared among the
tests running in it (those outside any test, e.g. collection and workers starting, are
`(between tests)`). A file with much idle waits (a poll, a timeout, a server starting); one
with much CPU computes. The runs a test forks from the zygotes count as its `forked` CPU once
it has seen them end; a server a fixture keeps for a module, Chromium and the zygotes' own
imports are no test's: they show only in the machine's busy time.

    uv run python bench/suite_profile.py [--top 25] [--keep FILE] [-- PYTEST_ARGS]

Figures: the suite's wall, the machine's busy core-seconds, the idle share of the cores, the
workers' CPU, their children's and their forked runs', and the most idle core-seconds of one
file. Run it on a quiet machine: another program's CPU hides the suite's idle.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, print_summary, print_table
from bench.suite_clock import FILE_ENV

TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_S = 0.5
BETWEEN = "(between tests)"


class Sample(NamedTuple):
    at: float  # time.time()
    busy: int  # jiffies: user, nice, system, irq, softirq
    idle: int  # jiffies: idle, iowait


class Idle(NamedTuple):
    start: float
    end: float
    cores: float  # idle cores over the interval


def machine_sample() -> Sample:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return Sample(time.time(), sum(fields[:3]) + fields[5] + fields[6], fields[3] + fields[4])


def idle_intervals(samples: Sequence[Sample]) -> list[Idle]:
    """Idle cores between consecutive samples (the jiffies' share of all cores' time)."""
    found = []
    for before, after in itertools.pairwise(samples):
        busy, idle = after.busy - before.busy, after.idle - before.idle
        if after.at > before.at and busy + idle > 0:
            cores = (busy + idle) / TICK / (after.at - before.at)
            found.append(Idle(before.at, after.at, cores * idle / (busy + idle)))
    return found


def idle_by_test(intervals: Sequence[Idle], tests: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Idle core-seconds per test id: each interval's shared among the tests overlapping it, in
    proportion to their overlap; an interval no test overlaps goes to `BETWEEN`."""
    starts = [interval.start for interval in intervals]
    overlaps: list[list[tuple[str, float]]] = [[] for _ in intervals]
    for test in tests:
        at = max(bisect.bisect_right(starts, test["start"]) - 1, 0)
        while at < len(intervals) and intervals[at].start < test["end"]:
            shared = min(intervals[at].end, test["end"]) - max(intervals[at].start, test["start"])
            if shared > 0:
                overlaps[at].append((test["id"], shared))
            at += 1
    idle: dict[str, float] = defaultdict(float)
    for interval, running in zip(intervals, overlaps, strict=True):
        total = interval.cores * (interval.end - interval.start)
        covered = sum(seconds for _, seconds in running)
        if not running:
            idle[BETWEEN] += total
        for test_id, seconds in running:
            idle[test_id] += total * seconds / covered
    return dict(idle)


def by_file(tests: Sequence[dict[str, Any]], idle: dict[str, float]) -> dict[str, dict[str, float]]:
    """Per test file: summed wall, worker CPU, children's CPU and idle core-seconds."""
    files: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for test in tests:
        row = files[test["id"].split("::", 1)[0]]
        row["wall_s"] += test["end"] - test["start"]
        row["cpu_s"] += test["cpu"]
        row["children_cpu_s"] += test["children_cpu"]
        row["forked_cpu_s"] += test.get("forked_cpu", 0.0)
        row["idle_core_s"] += idle.get(test["id"], 0.0)
    if idle.get(BETWEEN):
        files[BETWEEN]["idle_core_s"] = idle[BETWEEN]
    return {name: dict(row) for name, row in files.items()}


def run_suite(args: Sequence[str], cwd: Path, clock: Path) -> tuple[int, list[Sample]]:
    """pytest with the clock plugin in `cwd`, sampling the machine meanwhile: (exit, samples)."""
    env = {**os.environ, FILE_ENV: str(clock)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    samples = [machine_sample()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_S):
            samples.append(machine_sample())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    command = [sys.executable, "-m", "pytest", "-p", "bench.suite_clock", *args]
    try:
        code = subprocess.run(command, cwd=cwd, env=env).returncode
    finally:
        done.set()
        sampler.join()
        samples.append(machine_sample())
    return code, samples


def profile(args: Sequence[str], cwd: Path, clock: Path) -> dict[str, Any]:
    """Run the suite and return its figures and per-file rows (`files`)."""
    code, samples = run_suite(args, cwd, clock)
    lines = clock.read_text(encoding="utf-8").splitlines() if clock.exists() else []
    tests = [json.loads(line) for line in lines]
    intervals = idle_intervals(samples)
    idle = idle_by_test(intervals, tests)
    files = by_file(tests, idle)
    wall = samples[-1].at - samples[0].at
    busy = (samples[-1].busy - samples[0].busy) / TICK
    idle_total = sum(i.cores * (i.end - i.start) for i in intervals)
    tested = [row.get("idle_core_s", 0.0) for name, row in files.items() if name != BETWEEN]
    return {
        "exit": code,
        "tests": len(tests),
        "wall_s": round(wall, 1),
        "machine_busy_core_s": round(busy, 1),
        "idle_share": round(idle_total / (idle_total + busy), 3) if busy else 0.0,
        "worker_cpu_s": round(sum(t["cpu"] for t in tests), 1),
        "children_cpu_s": round(sum(t["children_cpu"] for t in tests), 1),
        "forked_cpu_s": round(sum(t.get("forked_cpu", 0.0) for t in tests), 1),
        "most_idle_file_core_s": round(max(tested, default=0.0), 1),
        "files": files,
    }


def file_rows(files: dict[str, dict[str, float]], key: str, top: int) -> list[list[Any]]:
    ranked = sorted(files.items(), key=lambda item: -item[1].get(key, 0.0))[:top]
    columns = ("wall_s", "cpu_s", "children_cpu_s", "forked_cpu_s", "idle_core_s")
    return [[name, *(round(row.get(c, 0.0), 1) for c in columns)] for name, row in ranked]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--top", type=int, default=25, help="files shown per table")
    parser.add_argument("--keep", type=Path, help="keep the per-test lines in this file")
    parser.add_argument("pytest_args", nargs="*", help="after --: pytest's own arguments")
    args = parser.parse_args(argv)
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="suite-profile-") as tmp:
        clock = args.keep or Path(tmp) / "clock.jsonl"
        clock.unlink(missing_ok=True)
        found = profile(args.pytest_args, ROOT, clock)
    files = found.pop("files")
    header = ["file", "wall s", "worker CPU s", "children CPU s", "forked CPU s", "idle core-s"]
    print_table("Files by idle core-seconds", file_rows(files, "idle_core_s", args.top), header)
    print_table("Files by worker CPU", file_rows(files, "cpu_s", args.top), header)
    print_table("Files by forked CPU", file_rows(files, "forked_cpu_s", args.top), header)
    code = found.pop("exit")
    print_table("The suite", [[key, value] for key, value in found.items()], ["figure", "value"])
    if code != 0:
        sys.exit("the suite failed: its figures are not recorded")
    print_summary({"bench": "suite_profile", **found}, load=load_before)


if __name__ == "__main__":
    main()
