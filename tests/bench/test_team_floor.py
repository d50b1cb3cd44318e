"""bench/team_floor.py's arithmetic: interleaved rounds of the floor and the team server become
each side's median CPU a step and their ratio, shown on the figures page against its goal; with
`--against`, another checkout's team server in the same rounds, compared round by round."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import other_checkout, team_floor
from bench.report import RESULTS, ROOT, figure_table, record
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


def team_round(repeat: int, cpu: float, ok: int = 4, side: str = "team") -> dict:
    measured = {"runs": 4, "ok": ok, "errors": 4 - ok, "wall_s": 2.5, "cpu_ms_per_step": cpu,
                "bench_cpu_ms_per_step": 5.0, "db_cpu_ms_per_step": 6.0,
                "redis_cpu_ms_per_step": 0.9, "cpu_split_pct": "100"}  # fmt: skip
    return side_row(side, repeat, measured)


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


def test_another_checkouts_team_is_compared_round_by_round() -> None:
    """Team 30, 44, 50 against the other checkout's 31, 40, 52 in the same three rounds: the
    medians (44, 40) say this checkout costs 1.1x, but round by round it was 1 ms cheaper twice
    and 4 ms dearer once; the paired median, -1 ms, is the figure the drift cancels in."""
    rows = []
    for n, (team, against) in enumerate([(30, 31), (44, 40), (50, 52)], 1):
        rows += [floor_round(n, 20.0), team_round(n, team),
                 team_round(n, against, ok=4 - (n == 3), side="against")]  # fmt: skip
    found = compared(rows)
    assert (found["team_cpu_ms_per_step"], found["against_cpu_ms_per_step"]) == (44, 40)
    assert found["against_db_cpu_ms_per_step"] == 6.0 and found["against_wall_s"] == 2.5
    assert (found["cpu_over_against"], found["team_minus_against_ms"]) == (1.1, -1)
    assert found["cpu_over_floor"] == 2.2 and found["runs_lost"] == 1


def test_a_round_without_the_other_checkout_is_not_paired() -> None:
    rows = [team_round(1, 30.0), team_round(1, 33.0, side="against"), team_round(2, 40.0),
            floor_round(1, 20.0)]  # fmt: skip
    assert team_floor.paired(rows, "team", "against") == [-3.0]


def test_rows_without_another_checkout_have_no_against_figures() -> None:
    found = compared([floor_round(1, 14.0), agent_round(1, 21.0), team_round(1, 28.0)])
    assert not {key for key in found if "against" in key}


def test_another_checkouts_round_has_the_team_servers_shape() -> None:
    assert team_round(1, 40.0, side="against") == {**team_round(1, 40.0), "side": "against"}


def checkout_of(root: Path, *, venv: bool = True, cli: bool = True) -> Path:
    """A directory with, when asked, a `.venv/bin/python` and a `cli/` package."""
    if venv:
        python = root / ".venv" / "bin" / "python"
        python.parent.mkdir(parents=True)
        python.write_text("#!/bin/sh\n")
        python.chmod(0o755)
    if cli:
        (root / "cli").mkdir(parents=True)
        (root / "cli" / "__main__.py").write_text("")
    return root


@pytest.mark.parametrize(
    ("venv", "cli", "said"),
    [(False, True, "no {root}/.venv/bin/python; make its venv first (`uv sync`"),
     (True, False, "no cli/ package there, so not a checkout of ml-intern")],
)  # fmt: skip
def test_a_directory_that_is_not_a_checkout_is_refused_before_anything_starts(
    tmp_path: Path, venv: bool, cli: bool, said: str
) -> None:
    root = checkout_of(tmp_path / "other", venv=venv, cli=cli)
    # Run as a user would: a refusal ends the bench at once, where a side started would take
    # tens of seconds (a database, Redis, an Aegra process) and leave its tmp folders.
    script = Path(team_floor.__file__)
    done = subprocess.run(
        [sys.executable, str(script), "--against", str(root)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "TMPDIR": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 2
    assert f"--against {root}: {said.format(root=root)}" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]  # nothing made beside it


def test_a_missing_directory_or_one_without_a_venv_python_is_refused(tmp_path: Path) -> None:
    assert "no such directory" in str(other_checkout.refusal(tmp_path / "gone"))
    root = checkout_of(tmp_path / "other")
    (root / ".venv" / "bin" / "python").chmod(0o644)  # not a program
    assert "make its venv first" in str(other_checkout.refusal(root))
    (root / ".venv" / "bin" / "python").chmod(0o755)
    assert other_checkout.refusal(root) is None
    assert other_checkout.checkout(root).root == root.resolve()


def test_a_process_running_this_checkouts_code_is_not_taken_for_anothers(tmp_path: Path) -> None:
    """What a live process runs is read from /proc; the bench stops when the other side's
    Aegra process runs another interpreter or imports from elsewhere."""
    place = other_checkout.checkout(checkout_of(tmp_path / "other"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; print('up', flush=True); sys.stdin.read()"
    with subprocess.Popen([sys.executable, "-c", code], env=env, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as proc:  # fmt: skip
        try:
            assert proc.stdout is not None and proc.stdout.readline() == b"up\n"  # exec'd
            assert other_checkout.origin(proc.pid) == {
                "python": sys.executable, "pythonpath": str(ROOT), "graph": "",
            }  # fmt: skip
            with pytest.raises(RuntimeError, match=f"process {proc.pid} does not run"):
                other_checkout.runs_from(proc.pid, place)
        finally:
            proc.communicate(b"")


def test_another_checkouts_processes_run_its_interpreter_and_its_code(tmp_path: Path) -> None:
    """The bench starts the other side's CLI with the checkout's interpreter and its root to
    import from: its code runs, not this checkout's (what that CLI's Aegra process runs is
    checked from /proc by the bench itself, `runs_from`, before any round)."""
    from bench import server_engines

    other = tmp_path / "other"
    other.mkdir()
    files = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True,
                           check=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(other)], input=files, check=True)
    (other / ".venv").symlink_to(ROOT / ".venv")
    main = other / "cli" / "__main__.py"  # the other checkout's code differs: it says where
    main.write_text(f"print('ran', __file__, flush=True)\n{main.read_text()}")
    place = other_checkout.checkout(other)
    plan = server_engines.Plan("postgresql://unused", "redis://unused", 1, 0, 1,
                               "http://127.0.0.1:9", "auto", place)  # fmt: skip
    (tmp_path / "ws").mkdir()
    proc, out = server_engines.launch(tmp_path / "p0", tmp_path / "ws", plan, ["--version"], {})
    assert proc.wait(timeout=120) == 0, out.read_text()
    assert proc.args[0] == str(place.python)
    assert out.read_text().startswith(f"ran {place.root}/cli/__main__.py\n")


def test_the_two_team_servers_swap_places_every_other_round() -> None:
    assert team_floor.in_turn(["team", "against"], 1) == ["team", "against"]
    assert team_floor.in_turn(["team", "against"], 2) == ["against", "team"]
    assert team_floor.in_turn(["team", "against"], 3) == ["team", "against"]
    assert team_floor.in_turn(["team"], 2) == ["team"]
