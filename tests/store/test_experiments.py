"""The ledger's table: rows keyed by thread and launching call, summaries apart from points."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.experiments import Experiment, Ledger, experiment_id, find_run


def run(thread: str, call: str, **values: object) -> Experiment:
    defaults: dict[str, object] = {"kind": "hf_job", "started_at": 100.0, "status": "RUNNING"}
    return Experiment(id=experiment_id(thread, call), thread_id=thread, call_id=call,
                      **(defaults | values))  # type: ignore[arg-type]  # fmt: skip


def test_a_fork_gets_copies_and_a_matching_call_id_elsewhere_shows_nothing(
    tmp_path: Path,
) -> None:
    with Ledger(tmp_path / "threads.sqlite") as ledger:
        ledger.save(run("source", "c1", name="first", started_at=1.0))
        ledger.save(run("source", "c2", name="second", started_at=2.0))
        # Another person's thread whose provider numbers calls the same way sees nothing.
        assert ledger.visible("stranger", ["c1", "c2"]) == []
        assert ledger.copy_thread("source", "fork") == 2
        assert [e.name for e in ledger.visible("fork", ["c1", "c2"])] == ["first", "second"]
        assert [e.name for e in ledger.visible("fork", ["c1"])] == ["first"]  # c2 undone
        assert ledger.delete_thread("source") == 2 and ledger.visible("source", ["c1"]) == []
        assert len(ledger.visible("fork", ["c1", "c2"])) == 2  # the fork's copies stay


def test_a_job_that_never_ends_keeps_running_and_costs_what_it_ran(tmp_path: Path) -> None:
    with Ledger(tmp_path / "threads.sqlite") as ledger:
        ledger.save(run("t", "c1", price_per_hour=3.6, started_at=1000.0))
        found = ledger.get(experiment_id("t", "c1"))
    assert found is not None and not found.ended and found.status == "RUNNING"
    assert found.cost_usd(now=1000.0 + 3600) == pytest.approx(3.6)
    assert found.cost_usd(now=1000.0 + 7200) == pytest.approx(7.2)
    assert run("t", "c2").cost_usd() is None  # unknown price: no made-up cost


def test_a_listing_reads_summaries_and_a_sparkline_not_the_points(tmp_path: Path) -> None:
    points = [[float(i), 10.0 - i / 100] for i in range(1000)]
    metrics = {"main": "loss", "lines": 1000, "series": {"loss": {"final": 0.01, "points": points}}}
    with Ledger(tmp_path / "threads.sqlite") as ledger:
        ledger.save(run("t", "c1", metrics=metrics))
        (summary,) = ledger.visible("t", ["c1"])
        (full,) = ledger.visible("t", ["c1"], series=True)
    assert "points" not in summary.metrics["series"]["loss"] and summary.final() == 0.01
    assert len(summary.metrics["spark"]) == 16 and summary.metrics["spark"][-1] == points[-1]
    assert full.metrics["series"]["loss"]["points"] == points


def test_naming_a_run_that_is_not_there_lists_the_runs(tmp_path: Path) -> None:
    runs = [run("t", "c1", name="a.py on t4-small", job_id="job1"), run("t", "c2", name="b")]
    assert find_run("2", runs) is runs[1] and find_run("job1", runs) is runs[0]
    with pytest.raises(LookupError, match=r"'9' matches no run of this thread. Runs: 1 \(exp-"):
        find_run("9", runs)
    with pytest.raises(LookupError, match="matches several runs"):
        find_run("exp-", runs)


def test_a_chart_reads_one_metric_of_the_runs_it_shows(tmp_path: Path) -> None:
    """The web pane's points: one metric, only the runs asked for, only the thread's own;
    a name with dots, slashes or quotes is a literal key."""
    series = {
        "train/loss.v2": {"points": [[0.0, 2.0], [1.0, None]]},
        'odd "name"': {"points": [[0.0, 9.0]]},
        "eval_loss": {"points": [[1.0, 3.0]]},
    }
    with Ledger(tmp_path / "threads.sqlite") as ledger:
        for call in ("c1", "c2"):
            ledger.save(run("t", call, metrics={"main": "eval_loss", "series": series}))
        ledger.save(run("other", "c1", metrics={"main": "eval_loss", "series": series}))
        a, b = experiment_id("t", "c1"), experiment_id("t", "c2")
        assert ledger.points_of("t", "train/loss.v2", [a]) == {a: [[0.0, 2.0], [1.0, None]]}
        assert ledger.points_of("t", 'odd "name"', [a, b]) == {a: [[0.0, 9.0]], b: [[0.0, 9.0]]}
        assert ledger.points_of("t", "missing", [a, b]) == {}
        assert ledger.points_of("t", "eval_loss", []) == {}
        assert ledger.points_of("t", "eval_loss", [experiment_id("other", "c1")]) == {}
