"""bench/suite_profile.py: per test file, the worker's CPU, its children's and the idle cores."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bench import suite_profile
from bench.suite_profile import BETWEEN, TICK, Idle, Sample, idle_by_test, idle_intervals

SPIN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end:\n    pass\n"


def test_idle_is_shared_among_the_tests_running_in_proportion_to_their_overlap() -> None:
    intervals = [Idle(0.0, 1.0, 2.0), Idle(1.0, 2.0, 1.0), Idle(2.0, 3.0, 0.5)]
    tests = [
        {"id": "a.py::one", "start": 0.0, "end": 2.0},  # alone in the first second
        {"id": "b.py::two", "start": 1.5, "end": 2.0},  # beside `one` for half of the second
    ]
    idle = idle_by_test(intervals, tests)
    assert idle["a.py::one"] == pytest.approx(2.0 + 1.0 * (1.0 / 1.5))
    assert idle["b.py::two"] == pytest.approx(1.0 * (0.5 / 1.5))
    assert idle[BETWEEN] == pytest.approx(0.5)  # the last second, no test running


def test_idle_cores_come_from_the_jiffies_between_two_samples() -> None:
    busy_half = [Sample(10.0, 0, 0), Sample(11.0, TICK, TICK)]  # 2 cores, one idle
    assert idle_intervals(busy_half) == [Idle(10.0, 11.0, pytest.approx(1.0))]


def test_a_run_names_the_file_that_computes_and_the_one_that_waits_on_a_child(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not this checkout's settings
    (tmp_path / "test_busy.py").write_text(f"def test_spins():\n{textwrap.indent(SPIN, '    ')}")
    (tmp_path / "test_child.py").write_text(
        "import subprocess, sys\n\n"
        f"def test_waits_on_a_child():\n    subprocess.run([sys.executable, '-c', {SPIN!r}])\n"
    )
    clock = tmp_path / "clock.jsonl"
    suite_profile.main(
        [
            "--keep",
            str(clock),
            "--",
            "--disable-plugin-autoload",
            "-p",
            "no:cacheprovider",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    found = json.loads(out.strip().splitlines()[-1])
    assert found["bench"] == "suite_profile" and found["tests"] == 2
    assert 0 <= found["idle_share"] <= 1 and found["machine_busy_core_s"] > 0
    rows = {json.loads(line)["id"].split("::")[0]: json.loads(line) for line in clock.open()}
    busy, child = rows["test_busy.py"], rows["test_child.py"]
    assert busy["cpu"] >= 0.3 and busy["children_cpu"] < 0.1
    assert child["children_cpu"] >= 0.3 and child["cpu"] < 0.3
    assert "Files by idle core-seconds" in out and "test_child.py" in out


def test_a_failing_suite_shows_its_figures_and_records_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_fails.py").write_text("def test_fails():\n    assert False\n")
    args = ["--", "--disable-plugin-autoload", "-p", "no:cacheprovider", str(tmp_path)]
    with pytest.raises(SystemExit, match="the suite failed: its figures are not recorded"):
        suite_profile.main(args)
    out = capsys.readouterr().out
    assert "The suite" in out and "idle_share" in out and '"bench"' not in out
