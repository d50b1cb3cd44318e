"""Aegra's own cost per step, without our graph, tools, saver or middleware (issue 53).

Starts one `uvicorn aegra_api.main:app` on loopback, on `--db URL` and `--redis URL` or a
throwaway PostgreSQL and redis-server (tests/fakes), Redis broker and worker loops on, its own
checkpointer, and the graph in bench/aegra_floor_graph.py: three supersteps that each only wait
`--step` seconds (standing for a model step) and add a message. Then, as bench/server_load.py
does, N runs at once (`POST /threads`, `POST /threads/{id}/runs/wait`), and reports Aegra's CPU
per step (its process tree, /proc), PostgreSQL's and Redis's, and the wall against the waiting
time. This is the floor under any graph the team server runs: the figure our server's CPU per
step can approach, never go below, while it runs on Aegra.

`--graph agent` serves the libraries' own tool-calling loop instead (bench/aegra_agent_graph.py)
on a scripted model that answers after `--step` seconds: the team server's shape (a model call
and a tool a step) with nothing of ours; `--graph bare` that shape with a plain HTTP call for
the model and a tool node that only answers (bench/aegra_bare_graph.py).

A round of four runs first warms up and is not reported (`--no-warm-up` skips it: the test
suite's, which checks that the bench runs and records its figures).

    uv run python bench/aegra_floor.py [--runs 32 128] [--step 0.6] [--stream]
        [--durability sync|async|exit] [--graph floor|agent|bare] [--db URL] [--redis URL]
        [--no-warm-up]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import server_load
from bench.report import print_summary, print_table
from bench.server_engines import infrastructure
from bench.server_load import cpu_s, database_cpu_s, postmaster_of, rss_mb, tree
from tests.web.web_harness import free_port

# What Aegra serves: `floor`, a graph that only waits; `agent`, the libraries' own
# tool-calling loop on a model (bench/aegra_agent_graph.py), the team server's shape; `bare`,
# that shape with a plain HTTP call for the model and no tool library (aegra_bare_graph.py).
GRAPHS = {
    name: Path(__file__).resolve().with_name(f"aegra_{name}_graph.py")
    for name in ("floor", "agent", "bare")
}
STEPS = 3


def aegra_env(config: Path, db: str, redis: str, at_once: int, step: float,
              durability: str | None, model_url: str | None = None) -> dict:  # fmt: skip
    """Aegra's settings: Redis broker, one worker loop running up to `at_once` runs, each
    step of the floor graph waiting `step` s; the agent graph's model at `model_url`."""
    env = {**os.environ, "AEGRA_CONFIG": str(config), "DATABASE_URL": db,
           "REDIS_BROKER_ENABLED": "true", "REDIS_URL": redis, "WORKER_COUNT": "1",
           "N_JOBS_PER_WORKER": str(at_once), "CRON_ENABLED": "false", "LOG_LEVEL": "WARNING",
           "REDIS_MAX_CONNECTIONS": str(at_once * 2 + 64), "FLOOR_STEP_S": str(step)}  # fmt: skip
    if durability:
        env["AEGRA_CHECKPOINT_DURABILITY"] = durability
    if model_url:
        env["FLOOR_MODEL_URL"] = model_url
    return env


def started_floor(stack: contextlib.ExitStack, db: str, redis: str, at_once: int, step: float,
                  durability: str | None = None, graph: str = "floor",
                  model_url: str | None = None) -> tuple[str, int]:  # fmt: skip
    """Aegra serving `graph` (a key of GRAPHS; `agent` needs `model_url`) as assistant
    `graph` on `db` and `redis` until `stack` closes: (URL, pid)."""
    where = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    config = where / "aegra.json"
    config.write_text(json.dumps({"graphs": {graph: f"{GRAPHS[graph]}:graph"}}))
    env = aegra_env(config, db, redis, at_once, step, durability, model_url)
    return stack.enter_context(started_aegra(where, env))


@contextlib.contextmanager
def started_aegra(where: Path, env: dict) -> Iterator[tuple[str, int]]:
    """One Aegra process (server_load.LAUNCH's) on a free loopback port until the block
    ends: (URL, pid)."""
    port = free_port()
    log = (where / "aegra.log").open("w")
    proc = server_load.LAUNCH(
        [sys.executable, "-m", "uvicorn", "aegra_api.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        cwd=where, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, url, where / "aegra.log")
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_until_up(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll `/health` until it answers 200 (Aegra ran its migrations and built the graph)."""
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(log.read_text()[-3000:])
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2, trust_env=False).status_code == 200:
                return
        time.sleep(0.05)
    raise SystemExit(f"Aegra did not answer /health within 120 s:\n{log.read_text()[-3000:]}")


def finished(graph: str, messages: list[dict]) -> bool:
    """Whether a run's messages are all of its steps': the floor's one a step after the
    request; the agent's (and the bare graph's) two tool calls answered, then the scripted
    model's `done`."""
    if graph == "floor":
        return len(messages) == STEPS + 1
    tools = [m for m in messages if m.get("type") == "tool" and m.get("status") != "error"]
    return len(tools) == STEPS - 1 and bool(messages) and messages[-1].get("content") == "done"


async def one_run(api: Any, url: str, stream: bool, graph: str = "floor") -> bool:
    """A new thread's run of `graph` to its end; True when all of its steps' messages came
    back."""
    thread = (await api.post(f"{url}/threads", json={})).json()["thread_id"]
    task = f"task {time.monotonic_ns()}"  # the scripted model tells runs apart by their task
    body = {"assistant_id": graph, "input": {"messages": [{"type": "human", "content": task}]}}
    if not stream:
        answer = await api.post(f"{url}/threads/{thread}/runs/wait", json=body)
        return answer.status_code == 200 and finished(graph, answer.json().get("messages", []))
    body["stream_mode"] = ["values"]
    values = ""
    async with api.stream("POST", f"{url}/threads/{thread}/runs/stream", json=body) as answer:
        async for line in answer.aiter_lines():
            if line.startswith("data:") and '"messages"' in line:
                values = line
    return bool(values) and finished(graph, json.loads(values[5:]).get("messages", []))


async def round_of(url: str, runs: int, stream: bool, graph: str = "floor") -> list[bool]:
    """`runs` runs at once (no keep-alive, as bench/server_load.py)."""
    import httpx

    limits = httpx.Limits(max_connections=runs + 8, max_keepalive_connections=0)
    async with httpx.AsyncClient(trust_env=False, timeout=600, limits=limits) as api:
        return await asyncio.gather(*(one_run(api, url, stream, graph) for _ in range(runs)))


def measure(url: str, pid: int, postmaster: int | None, redis_pid: int | None, runs: int,
            stream: bool, step: float, graph: str = "floor") -> dict:  # fmt: skip
    """One round of `runs` runs of `graph` at once: Aegra's, the database's and Redis's CPU
    per step."""

    def spent() -> tuple[float, float, float]:
        return cpu_s(tree(pid)), database_cpu_s(postmaster), cpu_s([redis_pid] if redis_pid else [])

    before, began = spent(), time.monotonic()
    ok = asyncio.run(round_of(url, runs, stream, graph))
    wall, after = time.monotonic() - began, spent()
    aegra, db, redis = ((a - b) * 1000 / (runs * STEPS) for a, b in zip(after, before, strict=True))
    return {"runs": runs, "ok": sum(ok), "wall_s": round(wall, 2),
            "wall_over_wait": round(wall / (STEPS * step), 2),
            "aegra_cpu_ms_per_step": round(aegra, 1), "db_cpu_ms_per_step": round(db, 1),
            "redis_cpu_ms_per_step": round(redis, 1), "rss_mb": round(rss_mb(tree(pid)), 1)}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--step", type=float, default=0.6)
    parser.add_argument("--stream", action="store_true", help="/runs/stream, not /runs/wait")
    parser.add_argument("--durability", choices=("sync", "async", "exit"))
    parser.add_argument("--graph", choices=tuple(GRAPHS), default="floor",
                        help="floor: a graph that only waits; agent: the libraries' own "
                             "tool-calling loop on a scripted model; bare: that shape with a "
                             "plain HTTP call")  # fmt: skip
    parser.add_argument("--db", help="PostgreSQL URL (default: a throwaway cluster)")
    parser.add_argument("--redis", help="Redis URL (default: a throwaway redis-server)")
    parser.add_argument("--warm-up", action=argparse.BooleanOptionalAction, default=True,
                        help="a round of four runs first, not reported")  # fmt: skip
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        db, redis, redis_pid = infrastructure(stack, args.db, args.redis)
        model_url = None
        if args.graph != "floor":
            from tests.fakes.llm_server import ScriptedLLMServer

            script = server_load.Script(args.step)
            model_url = stack.enter_context(
                ScriptedLLMServer(responder=script, keep_alive=True)
            ).url
        url, pid = started_floor(stack, db, redis, max(args.runs), args.step, args.durability,
                                 args.graph, model_url)  # fmt: skip
        postmaster = postmaster_of(db)
        if args.warm_up:
            measure(url, pid, postmaster, redis_pid, 4, args.stream, args.step, args.graph)
        rows = [measure(url, pid, postmaster, redis_pid, n, args.stream, args.step, args.graph)
                for n in args.runs]  # fmt: skip
    report(args, rows)


def report(args: argparse.Namespace, rows: list[dict]) -> None:
    mode = (
        ("stream" if args.stream else "wait")
        + (f"_{args.durability}" if args.durability else "")
        + ("" if args.graph == "floor" else f"_{args.graph}")
    )
    keys = list(rows[0])
    shape = {"floor": "a graph that only waits", "agent": "the libraries' agent",
             "bare": "the agent's shape, bare"}[args.graph]  # fmt: skip
    print_table(f"Aegra alone, {shape}: N runs at once of {STEPS} steps of "
                f"{args.step:g} s ({mode})", [[r[k] for k in keys] for r in rows], keys)  # fmt: skip
    print_summary({"bench": "aegra_floor", "step_s": args.step,
                   mode: {f"runs_{row['runs']}": row for row in rows}})  # fmt: skip


if __name__ == "__main__":
    main()
