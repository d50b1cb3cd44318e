"""Many runs at once on one `ml-intern web`: wall time against model time, and what each step adds.
(`--engine aegra`: the same rounds on the team server; see bench/server_engines.py.)

Starts the real `ml-intern web` (a fresh interpreter, the real `langgraph dev`) on loopback
against the scripted model, then for each N starts N threads' runs at once over the HTTP API
(`POST /threads`, then `POST /threads/{id}/runs/wait`). Every run is three model steps of
`--step` seconds (two `plan` calls, or with `--tool bash` two `bash` calls that append to a
file, then an answer; `--tool plan bash`: each one's rounds in turn, on the same server).
Reported per N: wall time against one
run's model time, the most model requests in flight at once (counted by the model server),
added latency p50/p95 at the start (a run's POST to its first model request: `langgraph dev`
looks for new runs every 0.5 s when idle) and per step (a model request's arrival minus the
previous answer of its run), server CPU per step and RSS (the server's process tree, /proc),
and this process's own CPU per step (the HTTP client and the scripted model together: if it
came near the server's, the bench would be measuring itself), and the database's CPU per step
when PostgreSQL runs on this machine (its processes, ended connections included: 0 on SQLite).
A round of four runs first warms up and is not reported (`--no-warm-up` skips it: the test
suite's, which checks that the bench runs and records its figures). `--db URL` puts the server's threads on
PostgreSQL. One embedded server serves one database (store/server_lock.py), so several
processes are measured on the team server: `--engine aegra --servers 2`
(bench/server_engines.py).

    uv run python bench/server_load.py [--runs 8 32 128] [--step 0.6] [--db URL]
        [--model-client auto|litellm] [--tool plan bash] [--no-warm-up]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.process_figures import (
    children,
    cpu_s,
    database_cpu_s,
    postmaster_of,
    rss_mb,
    tree,
)
from bench.report import ROOT, print_summary, print_table
from cli.server_address import listening_pid
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import user_texts
from tests.web.web_harness import free_port, stop_web

STEPS = 3
PLAN = {"todos": [{"id": "1", "content": "look around", "status": "completed"}]}
# How a server's process starts: the test suite's forks it from its warm zygote
# (tests/fakes/cli_zygote.py), which the bench then finds by its port (`served_by`).
LAUNCH: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen
RUN_TIMEOUT_S = 300  # a run of a few model steps not answered by then is counted lost
START_TIMEOUT_S = 600  # a loaded machine starts a server slowly; the figures say how loaded


class Script:
    """Three model steps a run, each `step` s; when each request of each run arrived."""

    def __init__(self, step: float, tool: str = "plan") -> None:
        self.step = step
        self.tool = tool  # "plan" (runs no program) or "bash" (a program that writes a file)
        self.arrivals: dict[str, list[float]] = {}
        self.began = 0.0  # when `measure`'s round began: the origin of its timed figures
        self.lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Turn:
        task = user_texts(request)[0]
        with self.lock:
            self.arrivals.setdefault(task, []).append(time.monotonic())
        done = sum(m.get("role") == "tool" for m in request.get("messages", []))
        if done + 1 < STEPS:
            return Turn(tool_calls=[self.call(done)], delay=self.step)
        return Turn(content="done", delay=self.step)

    def call(self, done: int) -> dict[str, Any]:
        if self.tool == "bash":  # masking, the undo journal, the policy and a process
            return {"name": "bash", "arguments": {"command": f"echo step {done} >> steps.log"}}
        return {"name": "plan", "arguments": PLAN}


def failed_calls(messages: list[dict[str, Any]]) -> list[str]:
    """The tool results of a run that say their call failed (an error, or a `bash` command
    that did not exit 0): a round is measured on calls that did their work."""
    tools = [m for m in messages if m.get("type") == "tool"]
    return [
        str(m.get("content"))[:200]
        for m in tools
        if m.get("status") == "error"
        or (m.get("name") == "bash" and "[exit code: 0]" not in str(m.get("content")))
    ]


async def one_run(api: Any, url: str, n: int, started: dict[str, float]) -> bool:
    """One thread's run to its answer; False for any other end (an error, an answer without
    messages, no answer within RUN_TIMEOUT_S: a lost run must not hold the round forever)."""
    import httpx

    try:
        async with asyncio.timeout(RUN_TIMEOUT_S):
            thread = (await api.post(f"{url}/threads", json={})).json()["thread_id"]
            task = f"task {n} {time.monotonic_ns()}"
            started[task] = time.monotonic()
            body = {
                "assistant_id": "ml_intern",
                "input": {"messages": [{"type": "human", "content": task}]},
                "context": {"mode": "headless"},
            }
            answer = await api.post(f"{url}/threads/{thread}/runs/wait", json=body)
            found = answer.json() if answer.status_code == 200 else {}
            messages = found.get("messages") or [{}]
            if (failed := failed_calls(messages)) and messages[-1].get("content") == "done":
                said = f"a call failed: {failed[0]}"
            elif messages[-1].get("content") == "done":
                return True
            else:
                said = f"{answer.status_code} {answer.text.strip()}"
    except (httpx.HTTPError, TimeoutError, ValueError, KeyError, AttributeError) as error:
        said = f"{type(error).__name__}: {error}"
    print(f"run {n} failed: {said}"[:400], file=sys.stderr)
    return False


async def round_of(urls: list[str], runs: int, started: dict[str, float]) -> list[bool]:
    """`runs` runs at once, dealt to the servers in turn (as a round-robin balancer would)."""
    import httpx

    # No keep-alive: a connection the server closes as idle while a request is sent on it
    # would read as an error of the server (uvicorn closes idle ones after 5 s).
    limits = httpx.Limits(max_connections=runs + 8, max_keepalive_connections=0)
    async with httpx.AsyncClient(trust_env=False, timeout=900, limits=limits) as api:
        return await asyncio.gather(
            *(one_run(api, urls[n % len(urls)], n, started) for n in range(runs))
        )


def split(cpu: list[float]) -> str:
    """Each server's share of the round's CPU, in percent ("52/48"): how evenly the
    connections were dealt."""
    total = sum(cpu) or 1.0
    return "/".join(str(round(100 * part / total)) for part in cpu)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def latencies(script: Script, started: dict[str, float]) -> tuple[list[float], list[float]]:
    """(each run's POST to its first model request, each step's added wait), in ms."""
    start, added = [], []
    for task, times in script.arrivals.items():
        start.append((times[0] - started[task]) * 1000)
        added += [(t - p - script.step) * 1000 for p, t in itertools.pairwise(times)]
    return start, added


def measure(
    urls: list[str],
    servers: list[int],
    llm: ScriptedLLMServer,
    script: Script,
    runs: int,
    postmaster: int | None = None,
) -> dict:
    """One round of `runs` runs at once, and its figures."""
    script.arrivals.clear()
    llm.reset_counts()

    def everything() -> list[int]:
        return [pid for server in servers for pid in tree(server)]

    pids = everything()
    cpu_before, peak_rss = cpu_s(pids), rss_mb(pids)
    db_before = database_cpu_s(postmaster)
    each_before = [cpu_s(tree(server)) for server in servers]
    own_before = time.process_time()
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, pids
        for n in itertools.count(1):
            if stop.wait(0.2):
                return
            pids = everything() if n % 10 == 0 else pids  # a walk of /proc costs CPU too
            peak_rss = max(peak_rss, rss_mb(pids))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started: dict[str, float] = {}
    began = script.began = time.monotonic()
    ok = asyncio.run(round_of(urls, runs, started))
    wall = time.monotonic() - began
    stop.set()
    sampler.join()
    own_cpu = time.process_time() - own_before
    start, added = latencies(script, started)
    model_s = round(STEPS * script.step, 3)

    def per_step(seconds: float) -> float:
        return round(seconds * 1000 / (runs * STEPS), 1)

    return {
        "runs": runs,
        "ok": sum(ok),
        "wall_s": round(wall, 2),
        "model_s": model_s,
        "wall_over_model": round(wall / model_s, 2),
        "peak_in_flight": llm.peak_in_flight,
        "start_p50_ms": round(percentile(start, 0.5), 1),
        "start_p95_ms": round(percentile(start, 0.95), 1),
        "step_p50_ms": round(percentile(added, 0.5), 1),
        "step_p95_ms": round(percentile(added, 0.95), 1),
        "cpu_ms_per_step": per_step(cpu_s(everything()) - cpu_before),
        "bench_cpu_ms_per_step": per_step(own_cpu),
        "db_cpu_ms_per_step": per_step(database_cpu_s(postmaster) - db_before),
        "cpu_split_pct": split(
            [cpu_s(tree(s)) - b for s, b in zip(servers, each_before, strict=True)]
        ),
        "rss_mb": round(rss_mb(everything()), 1),
        "rss_per_server_mb": round(rss_mb(everything()) / len(servers), 1),
        "peak_rss_mb": round(peak_rss, 1),
    }


def serve(
    root: Path,
    workspace: Path,
    llm_url: str,
    at_once: int,
    db: str | None,
    model_client: str = "auto",
) -> tuple[subprocess.Popen[bytes], Path, str]:
    """`ml-intern web` in a fresh interpreter on the scripted model, `at_once`
    runs at a time, its own home under `root`, its threads in PostgreSQL at `db` when given."""
    import json

    root.mkdir()
    config = root / "config.json"
    settings = {"model_name": "openai/scripted-model", "api_base": llm_url}
    settings["model_client"] = model_client  # our own OpenAI-compatible path, or litellm
    config.write_text(json.dumps({**settings, "server": {"runs_at_once": at_once}}))
    env = {**os.environ, "ML_INTERN_HOME": str(root / "home"), "ML_INTERN_CLI_CONFIG": str(config)}
    env.pop("ML_INTERN_WEB_TOKEN", None)
    env.pop("ML_INTERN_DATABASE_URL", None)
    env.update({"ML_INTERN_DATABASE_URL": db} if db else {})
    port, out = free_port(), root / "web.out"
    with out.open("w") as sink:
        proc = LAUNCH(
            [sys.executable, "-m", "cli", "web", "--port", str(port)],
            cwd=workspace, env=env, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return proc, out, f"http://127.0.0.1:{port}"


def ready(proc: subprocess.Popen[bytes], out: Path) -> None:
    """Wait for the server's "Ctrl-C to stop" (START_TIMEOUT_S at most)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while "Ctrl-C to stop" not in out.read_text():
        assert proc.poll() is None, out.read_text()
        assert time.monotonic() < deadline, f"not ready in {START_TIMEOUT_S} s: {out.read_text()}"
        time.sleep(0.05)  # a read of a small file: ready is seen within 50 ms


def served_by(proc: subprocess.Popen[bytes], url: str) -> list[int]:
    """The process serving `url`: the one listening on its port (`langgraph dev`, the child
    of `ml-intern web`, wherever LAUNCH started it); else `proc`'s children."""
    found = listening_pid(int(url.rsplit(":", 1)[1]))
    return [found] if found is not None else children(proc.pid)


def offline_environment() -> None:
    """What the servers this process starts inherit: the scripted model's key, no telemetry or
    tracing, no price list fetched, this repository importable."""
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-real-key")  # the scripted server's
    os.environ.update(LITELLM_LOCAL_MODEL_COST_MAP="True", LANGSMITH_TRACING="false")
    os.environ.update(HF_HUB_DISABLE_TELEMETRY="1", LANGGRAPH_CLI_NO_ANALYTICS="1")
    os.environ["PYTHONPATH"] = str(ROOT)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--step", type=float, default=0.6, help="seconds per model step")
    from bench.server_engines import add_engine_arguments, run_aegra  # they import this module

    add_engine_arguments(parser)
    parser.add_argument("--at-once", type=int, default=None, help="server.runs_at_once")
    parser.add_argument("--servers", type=int, default=1, help="servers on one database")
    parser.add_argument("--model-client", choices=("auto", "litellm"), default="auto")
    parser.add_argument("--tool", choices=("plan", "bash"), nargs="+", default=["plan"],
                        help="each step's call (several: in turn, on one server)")  # fmt: skip
    parser.add_argument("--warm-up", action=argparse.BooleanOptionalAction, default=True,
                        help="a round of four runs first, not reported")  # fmt: skip
    parser.add_argument(
        "--db", help="PostgreSQL URL for the threads (default: SQLite in the server's home)"
    )
    args = parser.parse_args(argv)
    offline_environment()
    at_once = args.at_once or max(32, *args.runs)
    if args.engine == "aegra":
        return run_aegra(args, at_once)
    if args.servers > 1:
        parser.error(
            "one embedded server serves one database; measure several processes on the team "
            "server: --engine aegra --servers 2"
        )
    load_before = round(os.getloadavg()[0], 2)
    idle_rss, rows = run_rounds(args, at_once, args.db)
    where = f"{args.servers} servers on one PostgreSQL" if args.servers > 1 else "one server"
    figures: dict[str, Any] = {}
    for tool, tool_rows in rows.items():
        keys = list(tool_rows[0])
        print_table(
            f"ml-intern web, {where}: N runs at once of {STEPS} model steps of {args.step:g} s, "
            f"`{tool}` calls "
            f"(runs_at_once {at_once} each; idle RSS {idle_rss} MB)",
            [[row[k] for k in keys] for row in tool_rows],
            keys,
        )
        # Each round's figures as `runs_N.<figure>` (`bash.runs_N.<figure>` for `bash`'s),
        # beside the 1-minute load before and after: wall figures of a loaded machine are not
        # valid.
        by_runs = {f"runs_{row['runs']}": row for row in tool_rows}
        figures |= {"bash": by_runs} if tool == "bash" else by_runs
    print_summary({"bench": "server_load", "servers": args.servers,
                   "model_client": args.model_client, "tool": " ".join(args.tool),
                   "database": "postgresql" if args.db else "sqlite", "step_s": args.step,
                   "idle_rss_mb": idle_rss, "load_before": load_before,
                   "load_after": round(os.getloadavg()[0], 2),
                   "rounds": [row for tool_rows in rows.values() for row in tool_rows],
                   **figures})  # fmt: skip


def run_rounds(
    args: argparse.Namespace, at_once: int, db: str | None
) -> tuple[float, dict[str, list[dict]]]:
    """Start the servers, warm them up, and measure each N with each tool in turn; (idle RSS,
    each tool's rows)."""
    script = Script(args.step, args.tool[0])
    rows: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp, ScriptedLLMServer(responder=script) as llm:
        workspace = Path(tmp) / "ws"
        workspace.mkdir()
        started = [
            serve(
                Path(tmp) / f"server-{n}",
                workspace,
                llm.url,
                at_once,
                db,
                args.model_client,
            )
            for n in range(args.servers)
        ]
        try:
            for proc, out, _ in started:
                ready(proc, out)
            servers = [pid for proc, _, url in started for pid in served_by(proc, url)]
            urls = [url for _, _, url in started]
            idle_rss = round(rss_mb([pid for server in servers for pid in tree(server)]), 1)
            # warm-up: imports, connections, each server's first runs
            postmaster = postmaster_of(db)
            if args.warm_up:
                measure(urls, servers, llm, script, 4 * len(servers), postmaster)
            for tool in dict.fromkeys(args.tool):
                script.tool = tool
                for runs in args.runs:
                    rows.setdefault(tool, []).append(
                        measure(urls, servers, llm, script, runs, postmaster)
                    )
                    print(f"{rows[tool][-1]}", file=sys.stderr)
        finally:
            for proc, out, _ in started:
                stop_web(proc)
                if not rows:
                    print(out.read_text()[-3000:], file=sys.stderr)
    return idle_rss, rows


if __name__ == "__main__":
    main()
