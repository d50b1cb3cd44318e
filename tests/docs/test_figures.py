"""Benchmark figures as data: appended per run, the latest per figure and machine rendered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report


def write_meta(folder: Path) -> None:
    meta = {"startup.help_s": {"label": "help", "unit": "s", "goal": ["<=", 0.3], "headline": True}}
    (folder / "figures.json").write_text(json.dumps(meta))


def test_a_run_appends_one_line_per_number_with_where_and_when(tmp_path: Path) -> None:
    report.record("startup", {"bench": "startup", "runs": 5, "help_s": 0.07, "x": {"y_ms": 2}},
                  folder=tmp_path)  # fmt: skip
    report.record("startup", {"bench": "startup", "help_s": 0.09}, folder=tmp_path)
    lines = [json.loads(t) for t in (tmp_path / "startup.jsonl").read_text().splitlines()]
    assert [(x["figure"], x["value"]) for x in lines] == [
        ("startup.runs", 5), ("startup.help_s", 0.07), ("startup.x.y_ms", 2),
        ("startup.help_s", 0.09),
    ]  # fmt: skip
    assert {"commit", "machine", "cores", "load", "date"} <= lines[0].keys()


def test_a_run_that_fills_the_cores_records_the_load_it_began_with(tmp_path: Path) -> None:
    """bench/ci_wall.py's CI loads both cores itself: its line keeps the load from before it,
    so the README's quiet-runs table still shows a run that was alone on the machine."""
    report.record("ci_wall", {"bench": "ci_wall", "suite_s": 500.0}, folder=tmp_path, load=0.4)
    (line,) = [json.loads(t) for t in (tmp_path / "ci_wall.jsonl").read_text().splitlines()]
    assert line["load"] == 0.4 and not report._loaded(line)
    heavy = {**line, "load": 3.2}  # what the load after such a run reads
    assert report._loaded(heavy)


def test_the_table_shows_the_latest_run_per_machine_and_whether_the_goal_is_met(
    tmp_path: Path,
) -> None:
    write_meta(tmp_path)
    rows = [
        {"figure": "startup.help_s", "value": 0.2, "machine": "a", "date": "2026-11-01"},
        {"figure": "startup.help_s", "value": 0.5, "machine": "a", "date": "2026-11-02"},
        {"figure": "startup.help_s", "value": 0.1, "machine": "b", "date": "2026-11-01"},
    ]
    (tmp_path / "startup.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = report.figure_table(headline_only=False, folder=tmp_path).splitlines()
    assert table[2:] == [
        "| help | ≤ 0.3 s | 0.5 s | **no** | a, -, 2026-11-02 |",
        "| help | ≤ 0.3 s | 0.1 s | yes | b, -, 2026-11-01 |",
    ]


def test_the_readme_shows_each_figure_once_as_last_measured_quietly_with_its_commit(
    tmp_path: Path,
) -> None:
    write_meta(tmp_path)
    rows = [
        {"figure": "startup.help_s", "value": 0.2, "machine": "a", "date": "2026-11-03"},
        {"figure": "startup.help_s", "value": 0.5, "machine": "a", "date": "2026-11-02",
         "commit": "abc1234"},
        {"figure": "startup.help_s", "value": 0.1, "machine": "b", "date": "2026-11-01",
         "commit": "def5678", "cores": 2, "load": 1.5},
        {"figure": "startup.help_s", "value": 0.9, "machine": "c", "date": "2026-11-04",
         "commit": "0a1b2c3", "cores": 2, "load": 8.1},
    ]  # fmt: skip
    (tmp_path / "startup.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = report.figure_table(headline_only=True, folder=tmp_path).splitlines()
    # a's line of 11-03 names no commit and c's was loaded: a's of 11-02 is the last quiet one
    assert table[2:] == ["| help | ≤ 0.3 s | 0.5 s | **no** | a, abc1234 |"]


def test_a_loaded_rerun_does_not_hide_the_figure_measured_quietly_before_it(
    tmp_path: Path,
) -> None:
    """A run begun while the machine was still busy (its load above its cores) is kept in the
    data and the benchmarks page, and the README goes on showing the quiet run before it."""
    write_meta(tmp_path)
    quiet = {"figure": "startup.help_s", "value": 0.2, "machine": "a", "date": "2026-12-02 18:38",
             "commit": "abc1234", "cores": 2, "load": 0.9}  # fmt: skip
    loaded = {**quiet, "value": 0.4, "date": "2026-12-02 18:52", "load": 2.3}
    (tmp_path / "startup.jsonl").write_text(json.dumps(quiet) + "\n" + json.dumps(loaded) + "\n")
    readme = report.figure_table(headline_only=True, folder=tmp_path).splitlines()
    assert readme[2:] == ["| help | ≤ 0.3 s | 0.2 s | yes | a, abc1234 |"]
    page = report.figure_table(headline_only=False, folder=tmp_path).splitlines()
    assert page[2:] == ["| help | ≤ 0.3 s | 0.4 s | **no** | a, abc1234, 2026-12-02 |"]


def test_a_broken_result_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "loop.jsonl").write_text('{"figure": "loop.a", "machine": "m"}\nnot json\n')
    with pytest.raises(ValueError, match=r"loop\.jsonl:2: not a result line"):
        report.latest_runs(tmp_path)


def test_the_readme_table_sits_between_its_markers() -> None:
    text = report.README.read_text()
    rendered = report.readme_with_table(text)
    assert rendered.count(report.BEGIN) == 1 and rendered.count(report.END) == 1
    with pytest.raises(ValueError, match="lacks the markers"):
        report.readme_with_table("# a README without a table\n")
