"""The team server's CPU a step against Aegra's own floor, measured in one run (issue 63).

Starts, each on its own throwaway PostgreSQL cluster and redis-server (tests/fakes), the floor
(bench/aegra_floor.py: Aegra alone, a graph of three steps that only wait), the graphs of the
team server's shape named by `--beside`, each on Aegra alone and the same scripted model
(`agent`, the default: the libraries' own tool-calling loop, `ChatOpenAI` and `ToolNode`,
bench/aegra_agent_graph.py; `bare`: the shape with a plain HTTP call for the model,
bench/aegra_bare_graph.py; `--beside` alone: none), and the team server
(bench/server_engines.py: `ml-intern web --redis` on the scripted model; one replica that runs
the runs, as the floor's one process does, or `--servers 2`: two `--no-runs` replicas and two
workers). `--against OTHER_CHECKOUT` adds a second team server of the same plan on the same
model, run by another checkout (a worktree made ready by `uv sync`: its `.venv/bin/python`,
its code; bench/other_checkout.py, which refuses a directory that is not one before anything
starts), side `against`. Each is warmed up once (`--no-warm-up` skips it), then they are
measured in turn, floor, agent, team, against (the two teams swap places every other round),
..., `--repeats` times, a round of `--runs` N runs at once of three `--step` s steps each:
every side sees the same machine and load. The CPU a step is each side's Aegra processes'
(their process trees, /proc), the database's and Redis's beside it; each side's figure is the
median of its rounds. `cpu_over_floor` is the team server's over the floor's (goal: at most
1.5); `agent_over_floor` what the shape costs with nothing of ours, `cpu_over_agent` what our
graph adds to it (and `bare_*` likewise).
`cpu_over_against` is this checkout's team over the other's (below 1: this one costs less),
and `team_minus_against_ms` the median over the rounds of team minus against within a round:
the figure that cancels the machine's drift between rounds (about +-15% here); what is left is
each pair's own noise (a few ms a step on 2 shared cores), which more `--repeats` narrow.
Recorded as `team_floor.servers_S.runs_N.*` (the other checkout's Aegra interpreter, import
path and graph file under `against`, read from /proc: text, not recorded).

    uv run python bench/team_floor.py [--runs 128] [--repeats 3] [--step 0.6] [--servers 1|2]
        [--beside [agent] [bare]] [--against OTHER_CHECKOUT] [--no-warm-up]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import aegra_floor, server_engines
from bench.other_checkout import Checkout, checkout, runs_from
from bench.report import median, print_summary, print_table, ratio
from bench.server_load import Script, measure, offline_environment, postmaster_of
from tests.fakes.llm_server import ScriptedLLMServer

SIDES = ("floor", "agent", "bare", "team", "against")
BESIDE = ("agent", "bare")  # graphs of the team server's shape on Aegra alone
TEAMS = ("team", "against")  # the team server: this checkout's, and `--against`'s
FIGURES = ("ok", "wall_s", "cpu_ms_per_step", "db_cpu_ms_per_step", "redis_cpu_ms_per_step")


def side_row(side: str, repeat: int, row: Mapping[str, Any]) -> dict[str, Any]:
    """One round of any side in the same shape: the floor and the graphs beside it
    (bench/aegra_floor.py) call their Aegra's CPU `aegra_cpu_ms_per_step`, the team servers
    (this checkout's and `--against`'s) their Aegra processes' `cpu_ms_per_step`."""
    named = {**row, "cpu_ms_per_step": row["aegra_cpu_ms_per_step"]} if side not in TEAMS else row
    return {"side": side, "repeat": repeat, "runs": row["runs"],
            **{key: named[key] for key in FIGURES}}  # fmt: skip


def compared(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Each side's median CPU a step (its Aegra processes, the database, Redis) and wall over
    its rounds, the runs any side lost, and the ratios of the medians (None over a 0):
    `cpu_over_floor`, the team's over the floor's (the issue's figure); for each graph of the
    team's shape measured beside them (`agent`, the libraries' own agent; `bare`, the shape
    with a plain HTTP call), `<graph>_over_floor` (what the shape costs with nothing of ours)
    and `cpu_over_<graph>` (the team's over it: what our graph adds); with another checkout's
    team server (`against`), `cpu_over_against` (this checkout's team over it) and
    `team_minus_against_ms`, the median over rounds of team minus against in the same round."""
    found: dict[str, Any] = {}
    for side in SIDES:
        mine = [row for row in rows if row["side"] == side]
        if not mine:
            continue
        for key in ("cpu_ms_per_step", "db_cpu_ms_per_step", "redis_cpu_ms_per_step", "wall_s"):
            found[f"{side}_{key}"] = round(median([row[key] for row in mine]), 2)
    found["runs_lost"] = sum(row["runs"] - row["ok"] for row in rows)
    found["cpu_over_floor"] = ratio(found["team_cpu_ms_per_step"], found["floor_cpu_ms_per_step"])
    for graph in BESIDE:
        if f"{graph}_cpu_ms_per_step" in found:
            cpu = found[f"{graph}_cpu_ms_per_step"]
            found[f"{graph}_over_floor"] = ratio(cpu, found["floor_cpu_ms_per_step"])
            found[f"cpu_over_{graph}"] = ratio(found["team_cpu_ms_per_step"], cpu)
    if "against_cpu_ms_per_step" in found:
        against = found["against_cpu_ms_per_step"]
        found["cpu_over_against"] = ratio(found["team_cpu_ms_per_step"], against)
        found["team_minus_against_ms"] = round(median(paired(rows, "team", "against")), 2)
    return found


def paired(rows: Sequence[Mapping[str, Any]], side: str, other: str) -> list[float]:
    """`side`'s CPU a step minus `other`'s, one per round (`repeat`) that measured both: the
    machine's drift between rounds is in both terms of a difference and cancels."""
    cpu = {(row["side"], row["repeat"]): row["cpu_ms_per_step"] for row in rows}
    return [cpu[side, repeat] - cpu[other, repeat] for s, repeat in cpu
            if s == side and (other, repeat) in cpu]  # fmt: skip


def summary(args: argparse.Namespace, rows: Sequence[Mapping[str, Any]],
            against: Mapping[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """The JSON line: the settings, every round, the comparison keyed by shape and N, and with
    `--against` what its Aegra processes ran (`other_checkout.origin`: text, not recorded)."""
    found = {"bench": "team_floor", "step_s": args.step, "repeats": args.repeats,
             "servers": args.servers, "rounds": list(rows),
             f"servers_{args.servers}": {f"runs_{args.runs}": compared(rows)}}  # fmt: skip
    return found | ({"against": dict(against)} if against else {})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=128, help="runs at once in each round")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of each side, in turn")
    parser.add_argument("--step", type=float, default=0.6, help="seconds a step waits")
    parser.add_argument("--servers", type=int, choices=(1, 2), default=1,
                        help="team server: 1 replica running the runs, or 2 + 2 workers")  # fmt: skip
    parser.add_argument("--beside", nargs="*", choices=BESIDE, default=["agent"],
                        help="graphs of the team's shape on Aegra alone, measured between "
                             "the floor and the team (none: `--beside`)")  # fmt: skip
    parser.add_argument("--against", type=Path, metavar="OTHER_CHECKOUT",
                        help="another checkout's team server (its .venv, its code), measured "
                             "beside this one's in every round")  # fmt: skip
    parser.add_argument("--warm-up", action=argparse.BooleanOptionalAction, default=True,
                        help="a round of four runs on each side first, not reported")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        other = checkout(args.against) if args.against is not None else None
    except ValueError as refused:
        parser.error(str(refused))
    offline_environment()
    load_before = round(os.getloadavg()[0], 2)
    rows, ran = interleaved(args, other)
    keys = list(rows[0])
    print_table(f"The team server ({args.servers} replica(s)) against Aegra's floor, in turn: "
                f"{args.runs} runs at once of 3 steps of {args.step:g} s, load before "
                f"{load_before}", [[row[k] for k in keys] for row in rows], keys)  # fmt: skip
    print_summary(summary(args, rows, ran))


def in_turn(sides: list[str], repeat: int) -> list[str]:
    """The team servers' order in round `repeat` (from 1): as given in odd rounds, reversed in
    even ones, so a place in the round (after the floor, after the other team) is no side's."""
    return sides if repeat % 2 else sides[::-1]


def interleaved(
    args: argparse.Namespace, other: Checkout | None = None
) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    """Start the sides, warm each up, then a round of the floor, one of each graph `--beside`,
    one of the team server and one of `other`'s (when given), `args.repeats` times: the rows
    in the order they were taken, and what `other`'s Aegra process runs (checked to be its
    interpreter, import path and graph: `other_checkout.runs_from`). The graphs beside and
    the team servers call the same scripted model."""
    script = Script(args.step)
    rows: list[dict[str, Any]] = []
    ran = None
    with contextlib.ExitStack() as stack:
        db, redis, floor_redis = server_engines.infrastructure(stack, None, None)
        url, pid = aegra_floor.started_floor(stack, db, redis, args.runs, args.step)
        floor_db = postmaster_of(db)
        # A provider keeps its connections, and our client pools them (models/streamed_chat.py).
        llm = stack.enter_context(ScriptedLLMServer(responder=script, keep_alive=True))
        beside: dict[str, tuple[str, int, int | None, int | None]] = {}
        for graph in args.beside:
            db, redis, graph_redis = server_engines.infrastructure(stack, None, None)
            graph_url, graph_pid = aegra_floor.started_floor(
                stack, db, redis, args.runs, args.step, graph=graph, model_url=llm.url
            )
            beside[graph] = (graph_url, graph_pid, postmaster_of(db), graph_redis)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        workers = 0 if args.servers == 1 else 2
        at_once = max(32, args.runs)
        teams: dict[str, tuple[server_engines.Team, server_engines.Plan, int | None]] = {}
        for side, place in {"team": None, **({"against": other} if other else {})}.items():
            db, redis, team_redis = server_engines.infrastructure(stack, None, None)
            plan = server_engines.Plan(db, redis, args.servers, workers, at_once, llm.url,
                                       "auto", place)  # fmt: skip
            team = stack.enter_context(server_engines.started_team(tmp / side, plan, {}))
            if place is not None:  # every Aegra process of its replicas and workers
                found = [runs_from(aegra, place) for aegra in team.servers]
                ran = found[0]
            teams[side] = (team, plan, team_redis)
        if args.warm_up:
            aegra_floor.measure(url, pid, floor_db, floor_redis, 4, False, args.step)
            for graph, where in beside.items():
                aegra_floor.measure(*where, 4, False, args.step, graph)
            for team, _, _ in teams.values():
                measure(team.urls, team.servers, llm, script, 4 * len(team.servers))
        for repeat in range(1, args.repeats + 1):
            floor = aegra_floor.measure(url, pid, floor_db, floor_redis, args.runs, False,
                                        args.step)  # fmt: skip
            rows.append(side_row("floor", repeat, floor))
            for graph, where in beside.items():
                row = aegra_floor.measure(*where, args.runs, False, args.step, graph)
                rows.append(side_row(graph, repeat, row))
            # The two team servers swap places every other round: neither always goes first.
            for side in in_turn(list(teams), repeat):
                team, plan, team_redis = teams[side]
                row = server_engines.measured(team, llm, script, args.runs, plan, team_redis)
                rows.append(side_row(side, repeat, row))
            print(*rows[-1 - len(beside) - len(teams) :], sep="\n", file=sys.stderr)
    return rows, ran


if __name__ == "__main__":
    main()
