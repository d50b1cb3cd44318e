"""`bench/server_load.py --engine aegra`: the same rounds on the team server (issue 53).

The team server is Aegra (cli/team_server.py): runs kept in PostgreSQL, queued in Redis,
claimed by worker loops under leases. `--servers 1` is one `ml-intern web --db --redis`
replica that runs the runs itself (one worker loop, `runs_at_once` at a time). `--servers 2`
is two replicas that only serve the API (`--no-runs`) plus two `ml-intern worker --jobs
runs_at_once` processes that run every run: the shape of a team deployment, and the one
where losing a worker matters (`--team-workers N` changes the count; with 0 the replicas
run the runs). The runs are dealt to the replicas in turn, and every figure is the one the
embedded engine reports (`server_load.measure`), CPU and RSS summed over every Aegra
process (replicas', workers', and their children); the CLI processes that only wait on them
are left out, as for the embedded server. Redis's own CPU per step is reported beside the
database's when the bench started it. `rss_per_worker_mb` is then per Aegra process.

PostgreSQL is `--db URL` or a throwaway cluster (tests/fakes/postgres.py), Redis `--redis
URL` or a throwaway redis-server (tests/fakes/redis.py). With `--kill-worker`, after the
rounds a fresh set of processes with short leases (FAST_LEASES, only there) runs the
largest N again, and once a third of its model steps were asked SIGKILLs one worker's
Aegra process group (as tests/serve/aegra/test_team_workers.py does): `runs_lost` should
be 0, and `steps_asked_again` > 0 shows the kill hit runs in flight. The figures are
recorded under `server_load.aegra.*`. (The throwaway cluster runs with fsync off, as for the
embedded engine's `--servers 2`; a real database is `--db URL`.)

    uv run python bench/server_load.py --engine aegra [--runs 8 32 128] [--servers 2]
        [--kill-worker] [--team-workers N] [--db URL] [--redis URL]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import server_load
from bench.other_checkout import Checkout
from bench.report import print_summary, print_table
from bench.server_load import (
    STEPS,
    Script,
    children,
    cpu_s,
    measure,
    postmaster_of,
    rss_mb,
    served_by,
    tree,
)
from tests.fakes.llm_server import ScriptedLLMServer
from tests.web.web_harness import free_port, stop_web, wait_for_ready

# Short leases for the kill round only: a dead worker's runs go to another within seconds.
FAST_LEASES = {"LEASE_DURATION_SECONDS": "5", "HEARTBEAT_INTERVAL_SECONDS": "2",
               "REAPER_INTERVAL_SECONDS": "1"}  # fmt: skip


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("embedded", "aegra"), default="embedded",
                        help="embedded: `ml-intern web` on `langgraph dev`; aegra: the team "
                        "server (bench/server_engines.py)")  # fmt: skip
    parser.add_argument("--redis", help="aegra: Redis URL (default: a throwaway redis-server)")
    parser.add_argument("--team-workers", type=int, default=None,
                        help="aegra: `ml-intern worker` processes (default: 0 with one "
                        "replica, which then runs the runs; 2 with more, replicas --no-runs)")  # fmt: skip
    parser.add_argument("--kill-worker", action="store_true",
                        help="aegra: a last round of the largest N, short leases, one worker "
                        "SIGKILLed mid-round; reports runs lost")  # fmt: skip


@dataclass
class Plan:
    """What to start: `replicas` replicas and `workers` workers on one database and queue."""

    db: str
    redis: str
    replicas: int
    workers: int
    at_once: int
    llm_url: str
    model_client: str
    checkout: Checkout | None = None  # another checkout's code (`--against`), else this one's

    def argvs(self) -> list[list[str]]:
        team = ["--redis", self.redis]  # the database by environment: `ps` shows argv
        here = [] if self.workers == 0 else ["--no-runs"]
        web = [["web", "--port", str(free_port()), *team, *here] for _ in range(self.replicas)]
        jobs = ["--jobs", str(self.at_once)]
        return web + [["worker", *team, *jobs] for _ in range(self.workers)]


@dataclass
class Team:
    urls: list[str]  # the replicas', the runs dealt to them in turn
    servers: list[int]  # every Aegra process (replicas' and workers'): CPU and RSS
    workers: list[int]  # the workers' Aegra processes: the ones --kill-worker may kill


def launch(
    root: Path, workspace: Path, plan: Plan, argv: list[str], extra: dict[str, str]
) -> tuple[subprocess.Popen[bytes], Path]:
    """`ml-intern <argv>` in a fresh interpreter (server_load.LAUNCH's) on the scripted
    model, its own home; the plan's other checkout's: its interpreter, its code, and a plain
    `subprocess.Popen` (a zygote holds this checkout's modules)."""
    root.mkdir()
    config = root / "config.json"
    settings = {"model_name": "openai/scripted-model", "api_base": plan.llm_url,
                "model_client": plan.model_client, "server": {"runs_at_once": plan.at_once}}  # fmt: skip
    config.write_text(json.dumps(settings))
    env = {**os.environ, **extra, "ML_INTERN_HOME": str(root / "home"),
           "ML_INTERN_CLI_CONFIG": str(config), "ML_INTERN_DATABASE_URL": plan.db,
           "ML_INTERN_SESSION_SECRET": os.environ.get("ML_INTERN_SESSION_SECRET", "bench-team")}  # fmt: skip
    for name in ("ML_INTERN_WEB_TOKEN", "ML_INTERN_REDIS_URL"):
        env.pop(name, None)
    python, start = sys.executable, server_load.LAUNCH
    if plan.checkout is not None:
        python, start = str(plan.checkout.python), subprocess.Popen
        env = plan.checkout.environment(env)
    out = root / "cli.out"
    with out.open("w") as sink:
        proc = start(
            [python, "-m", "cli", *argv], cwd=workspace, env=env, stdout=sink,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return proc, out


@contextlib.contextmanager
def started_team(where: Path, plan: Plan, extra: dict[str, str]) -> Iterator[Team]:
    """The plan's processes until the block ends: the first alone, then the others at once.
    (Started together on a fresh database, each Aegra process runs LangGraph's checkpointer
    and store setup in its lifespan, outside serve/aegra/schema.py's lock, and one can exit
    with a UniqueViolation on checkpoint_migrations_pkey: seen with four.)"""
    workspace = where / "ws"
    workspace.mkdir(parents=True)
    argvs = plan.argvs()
    started = []
    ready = False
    try:
        for n, argv in enumerate(argvs):
            started.append(launch(where / f"p{n}", workspace, plan, argv, extra))
            if n == 0 or n == len(argvs) - 1:
                for proc, out in started:
                    wait_for_ready(proc, out)
        ready = True
        urls = [f"http://127.0.0.1:{argv[2]}" for argv in argvs if argv[0] == "web"]
        # A replica's Aegra process is the one on its port, a worker's the CLI's child.
        web, workers = started[: len(urls)], started[len(urls) :]
        replicas = [served_by(proc, url)[0] for (proc, _), url in zip(web, urls, strict=True)]
        aegra = replicas + [children(proc.pid)[0] for proc, _ in workers]
        yield Team(urls, aegra, aegra[plan.replicas :])
    finally:
        for proc, _ in started:
            stop_web(proc)
        if not ready:
            for log in [*where.glob("p*/cli.out"), *where.glob("p*/home/*/team-*.log")]:
                print(f"--- {log}\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)


class Killer(threading.Thread):
    """SIGKILLs `victim`'s process group once `after` model requests of the round arrived,
    keeping the CPU it had used (gone from /proc afterwards)."""

    def __init__(self, victim: int, script: Script, after: int) -> None:
        super().__init__(daemon=True)
        self.victim, self.script, self.after = victim, script, after
        self.cpu_s, self.at_s = 0.0, float("nan")
        self.done = threading.Event()

    def run(self) -> None:
        began = time.monotonic()
        while not self.done.wait(0.05):
            with self.script.lock:
                asked = sum(len(times) for times in self.script.arrivals.values())
            if asked >= self.after:
                self.cpu_s, self.at_s = cpu_s(tree(self.victim)), time.monotonic() - began
                os.killpg(self.victim, signal.SIGKILL)
                return


def measured(team: Team, llm: ScriptedLLMServer, script: Script, runs: int, plan: Plan,
             redis_pid: int | None) -> dict:  # fmt: skip
    """`server_load.measure`'s round, plus the runs that failed or never answered (within
    server_load.RUN_TIMEOUT_S), the round's start to the model's last answer, and Redis's
    CPU per step. Aegra's `/runs/wait` looks for a run's end every 2 s (its
    worker_executor.wait_for_completion), so `wall_s` carries up to 2 s of that poll, which
    a page streaming the run does not wait for: `last_answer_s` is the wall without it. Both
    are timed from the round's start in `measure` (`script.began`), and the model answers a
    request `step` s after it arrived at the earliest, before the run (and the round) can
    end: `last_answer_s <= wall_s`."""
    before = cpu_s([redis_pid]) if redis_pid else 0.0
    row = measure(team.urls, team.servers, llm, script, runs, postmaster_of(plan.db))
    spent = cpu_s([redis_pid]) - before if redis_pid else 0.0
    answers = [times[-1] + script.step for times in script.arrivals.values()]
    last = max(answers, default=script.began) - script.began
    return {**row, "errors": runs - row["ok"], "last_answer_s": round(last, 2),
            "redis_cpu_ms_per_step": round(spent * 1000 / (runs * STEPS), 1)}  # fmt: skip


def rounds(plan: Plan, where: Path, llm: ScriptedLLMServer, script: Script, sizes: list[int],
           redis_pid: int | None, warm_up: bool = True) -> tuple[float, list[dict]]:  # fmt: skip
    """Start the team, warm it up (not reported; unless not `warm_up`), measure each N;
    (idle RSS, rows)."""
    with started_team(where, plan, {}) as team:
        idle_rss = round(rss_mb([pid for server in team.servers for pid in tree(server)]), 1)
        if warm_up:
            measure(team.urls, team.servers, llm, script, 4 * len(team.servers))
        rows = []
        for runs in sizes:
            rows.append(measured(team, llm, script, runs, plan, redis_pid))
            print(f"{rows[-1]}", file=sys.stderr)
    return idle_rss, rows


def kill_round(plan: Plan, where: Path, llm: ScriptedLLMServer, script: Script, runs: int,
               redis_pid: int | None) -> dict:  # fmt: skip
    """The largest N on fresh processes with short leases, one worker killed mid-round."""
    with started_team(where, plan, FAST_LEASES) as team:
        measure(team.urls, team.servers, llm, script, 4 * len(team.servers))
        script.arrivals.clear()
        killer = Killer(team.workers[0], script, after=runs)
        killer.start()
        try:
            row = measured(team, llm, script, runs, plan, redis_pid)
        finally:
            killer.done.set()
            killer.join()
        asked = sum(len(times) for times in script.arrivals.values())
    del row["cpu_split_pct"]  # the dead worker's share is no longer in /proc
    row["cpu_ms_per_step"] = round(
        row["cpu_ms_per_step"] + killer.cpu_s * 1000 / (runs * STEPS), 1
    )  # the dead worker's CPU up to its death, which /proc no longer shows
    return {**row, "killed_after_s": round(killer.at_s, 2), "runs_lost": runs - row["ok"],
            "steps_asked_again": asked - runs * STEPS,
            **{name.lower(): int(value) for name, value in FAST_LEASES.items()}}  # fmt: skip


def run_aegra(args: argparse.Namespace, at_once: int) -> None:
    """`server_load.py --engine aegra`: start what is needed, run the rounds, report."""
    workers = args.team_workers if args.team_workers is not None else (
        0 if args.servers == 1 else 2)  # fmt: skip
    if args.kill_worker and workers == 0:
        raise SystemExit("--kill-worker needs a worker: --servers 2 or --team-workers N")
    script = Script(args.step)
    with contextlib.ExitStack() as stack:
        db, redis, redis_pid = infrastructure(stack, args.db, args.redis)
        llm = stack.enter_context(ScriptedLLMServer(responder=script))
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        plan = Plan(db, redis, args.servers, workers, at_once, llm.url, args.model_client)
        idle_rss, rows = rounds(
            plan, tmp / "rounds", llm, script, args.runs, redis_pid, args.warm_up
        )
        kill = None
        if args.kill_worker:
            kill = kill_round(plan, tmp / "kill", llm, script, max(args.runs), redis_pid)
    report(args, plan, idle_rss, rows, kill, given_redis=bool(args.redis))


def infrastructure(
    stack: contextlib.ExitStack, db: str | None, redis: str | None
) -> tuple[str, str, int | None]:
    """(database URL, Redis URL, the throwaway redis-server's pid): given, or started."""
    if db is None:
        from tests.fakes.postgres import PostgresCluster

        cluster = PostgresCluster.start()
        stack.callback(cluster.stop)
        db = cluster.new_database()
    if redis is not None:
        return db, redis, None
    from tests.fakes.redis import RedisServer

    server = RedisServer.start()
    stack.callback(server.stop)
    assert server.proc is not None
    return db, server.url, server.proc.pid


def report(args: argparse.Namespace, plan: Plan, idle_rss: float, rows: list[dict],
           kill: dict | None, *, given_redis: bool) -> None:  # fmt: skip
    runs_here = "the replicas run the runs" if plan.workers == 0 else "replicas --no-runs"
    where = f"{plan.replicas} replica(s) and {plan.workers} worker(s), {runs_here}"
    keys = list(rows[0])
    print_table(
        f"Team server on Aegra, {where}: N runs at once of {STEPS} model steps of "
        f"{args.step:g} s (runs_at_once {plan.at_once} each; idle RSS {idle_rss} MB)",
        [[row[k] for k in keys] for row in rows],
        keys,
    )
    if kill is not None:
        print_table(
            "Kill round: one worker's Aegra process SIGKILLed mid-round, short leases for "
            "this round only (" + ", ".join(f"{k}={v}" for k, v in FAST_LEASES.items()) + ")",
            [list(kill.values())],
            list(kill),
        )
    figures = {"servers": plan.replicas, "team_workers": plan.workers,
               "runs_on_replicas": plan.workers == 0, "model_client": args.model_client,
               "database": "postgresql", "redis": "given" if given_redis else "throwaway",
               "step_s": args.step, "idle_rss_mb": idle_rss, "rounds": rows,
               # keyed as well, so bench/report.py records each round's figures
               f"servers_{plan.replicas}": {f"runs_{row['runs']}": row for row in rows}}  # fmt: skip
    if kill is not None:
        figures["kill_round"] = kill
    print_summary({"bench": "server_load", "engine": "aegra", "aegra": figures})
