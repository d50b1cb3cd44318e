"""bench/team_floor.py's arithmetic: interleaved rounds of the floor and the team server become
each side's median CPU a step and their ratio, shown on the figures page against its goal."""

from __future__ import annotations

import argparse
import shutil

import pytest

from bench.report import RESULTS, figure_table, record
from bench.team_floor import compared, side_row, summary


def floor_round(repeat: int, cpu: float, ok: int = 4) -> dict:
    measured = {"runs": 4, "ok": ok, "wall_s": 2.0, "wall_over_wait": 1.1, "rss_mb": 170.0,
                "aegra_cpu_ms_per_step": cpu, "db_cpu_ms_per_step": 4.0,
                "redis_cpu_ms_per_step": 0.5}  # fmt: skip
    return side_row("floor", repeat, measured)


def agent_round(repeat: int, cpu: float, ok: int = 4, graph: str = "agent") -> dict:
    measured = {"runs": 4, "ok": ok, "wall_s": 2.2, "wall_over_wait": 1.2, "rss_mb": 210.0,
                "aegra_cpu_ms_per_step": cpu, "db_cpu_ms_per_step": 5.0,
                "redis_cpu_ms_per_step": 0.6}  # fmt: skip
    return side_row(graph, repeat, measured)


def team_round(repeat: int, cpu: float, ok: int = 4) -> dict:
    measured = {"runs": 4, "ok": ok, "errors": 4 - ok, "wall_s": 2.5, "cpu_ms_per_step": cpu,
                "bench_cpu_ms_per_step": 5.0, "db_cpu_ms_per_step": 6.0,
                "redis_cpu_ms_per_step": 0.9, "cpu_split_pct": "100"}  # fmt: skip
    return side_row("team", repeat, measured)


def test_each_side_round_has_one_shape() -> None:
    floor, team = floor_round(1, 16.8), team_round(1, 42.4)
    assert floor == {"side": "floor", "repeat": 1, "runs": 4, "ok": 4, "wall_s": 2.0,
                     "cpu_ms_per_step": 16.8, "db_cpu_ms_per_step": 4.0,
                     "redis_cpu_ms_per_step": 0.5}  # fmt: skip
    assert set(team) == set(floor) and team["cpu_ms_per_step"] == 42.4


@pytest.mark.parametrize(
    ("floors", "teams", "ratio"),
    [
        ([16.0], [24.0], 1.5),
        # medians 18 and 27: one loaded pair moves neither
        ([16.0, 30.0, 18.0], [27.0, 60.0, 24.0], 1.5),
        ([20.0, 20.0], [41.0, 43.0], 2.1),
        ([0.0], [10.0], None),
    ],
)
def test_the_ratio_is_of_each_sides_median(floors: list, teams: list, ratio: float | None) -> None:
    rows = []
    for n, (floor, team) in enumerate(zip(floors, teams, strict=True), 1):
        rows += [floor_round(n, floor), team_round(n, team)]
    found = compared(rows)
    assert found["cpu_over_floor"] == ratio
    assert found["runs_lost"] == 0 and found["floor_db_cpu_ms_per_step"] == 4.0
    assert found["team_db_cpu_ms_per_step"] == 6.0 and found["team_wall_s"] == 2.5


def test_lost_runs_of_either_side_are_counted() -> None:
    found = compared([floor_round(1, 16.0, ok=3), team_round(1, 24.0, ok=2)])
    assert found["runs_lost"] == 3


def test_the_libraries_agent_splits_the_ratio_into_the_shape_and_our_graph() -> None:
    """floor 14, the libraries' agent 21, the team 28 (medians): the shape costs 1.5x the
    floor with nothing of ours, and our graph 1.33x the agent."""
    rows = []
    for n, (floor, agent, team) in enumerate([(14, 21, 28), (15, 20, 30), (13, 22, 27)], 1):
        rows += [floor_round(n, floor), agent_round(n, agent, ok=4 - (n == 2)), team_round(n, team)]
    found = compared(rows)
    assert found["agent_cpu_ms_per_step"] == 21 and found["agent_db_cpu_ms_per_step"] == 5.0
    assert (found["cpu_over_floor"], found["agent_over_floor"], found["cpu_over_agent"]) == (
        2.0, 1.5, 1.33,
    )  # fmt: skip
    assert found["runs_lost"] == 1


def test_rows_without_the_agent_have_no_agent_figures() -> None:
    found = compared([floor_round(1, 14.0), team_round(1, 28.0)])
    assert found["cpu_over_floor"] == 2.0
    assert not {key for key in found if "agent" in key or "bare" in key}


def test_the_bare_shape_has_its_own_figures_beside_the_agents() -> None:
    rows = [floor_round(1, 14.0), agent_round(1, 21.0), agent_round(1, 17.5, graph="bare"),
            team_round(1, 28.0)]  # fmt: skip
    found = compared(rows)
    assert (found["bare_over_floor"], found["cpu_over_bare"]) == (1.25, 1.6)
    assert (found["agent_over_floor"], found["cpu_over_agent"]) == (1.5, 1.33)


def test_the_figures_page_shows_the_ratio_against_its_goal(tmp_path) -> None:
    """At the default settings the recorded ratio is the one figures.json gives a goal of 1.5."""
    shutil.copy(RESULTS / "figures.json", tmp_path / "figures.json")
    args = argparse.Namespace(step=0.6, repeats=3, servers=1, runs=128)
    rows = [floor_round(1, 20.0), team_round(1, 40.0), floor_round(2, 20.0), team_round(2, 28.0)]
    record("team_floor", summary(args, rows), folder=tmp_path)
    table = figure_table(headline_only=False, folder=tmp_path, bench="team_floor")
    (line,) = [row for row in table.splitlines() if "/ Aegra's floor" in row]
    assert "| ≤ 1.5 x | 1.7 x | **no** |" in line
