"""The ML-task benchmark: one set of bench/ml_tasks/ through a harness and a model, graded.

    uv run python bench/ml_tasks/run.py --model llamacpp/local --base-url http://127.0.0.1:8091/v1
    uv run python bench/ml_tasks/run.py --set held-out --model llamacpp/local --base-url URL
    uv run python bench/ml_tasks/run.py --set held-out --list
    uv run python bench/ml_tasks/run.py --model anthropic/claude-sonnet-4-5 --repeats 3
    uv run python bench/ml_tasks/run.py --model llamacpp/local --base-url URL --harness original

`--set dev` (the default) runs the tasks the harness was tuned on, `--set held-out` the ones
kept apart from that tuning (bench/ml_tasks/README.md); `--list` prints a set's tasks and runs
nothing. Each run copies a task's files into a fresh workspace, starts a local Hub
(tests/fakes: the task's `hub.json`, its Jobs hardware list and repos; no request leaves the
machine for the Hub),
runs the harness headless in that workspace with the model id, and grades the workspace and
the final answer with the task's grade.py. It records success, model calls, tokens, cost and
wall time, prints one JSON line per run, a table, and last a one-line JSON summary.

`--base-url` (an OpenAI-compatible server, e.g. llama-server) puts a recording proxy in
front of it: every OpenAI-compatible base-URL variable both harnesses read points at the
proxy, and calls and tokens are counted on the wire, the same way for both harnesses (the
original prints no usage). `--keep-exchanges DIR` keeps each run's raw requests and replies,
stdout and stderr under DIR/<harness>/<task>/<repeat>/ (a run done again replaces the earlier
attempt's: the wire's counts are the run's own). Without `--base-url` (a provider with
an API key, the HF router) the harness reaches the model as it normally would: ours reports
its own usage and cost; the original's figures are then unknown. A run starts only once that
server has no slot processing (llama.cpp's `/slots`; a wait of a second or more is the row's
`server_busy_s`), and when it ends its proxy drops any call still waiting. A call asked for
whole without tools (the peers' text calls) goes upstream as a stream, joined back into one
reply for its harness (bench/joined_stream.py), because llama.cpp stops a dropped stream but
not always a dropped whole reply; for calls with tools the next run's wait (at most 15
minutes) is what holds.

`--adaptations` is the ablation switch for our harness: `default` (the model's profile as it
resolves), `none` (every rule in adaptations/registry.py off for `--model`) or
`--adaptations=-RULE[,+RULE]` (those rules off, or on); it is written to the run's config as
`"adaptations"`. `--checkout DIR` runs the harness of another checkout of this repository (e.g.
a worktree at an older commit, in its own uv environment, whose python the agent's commands
get) instead of this one; rows carry `"checkout": DIR`.
`--temperature T` sets ours' sampling (written to the run's config; by default ours decodes
greedily on a local server, while a peer that sends none samples at the server's default);
every row records what its requests carried as `sent_temperature`.

`--harness original` runs the original ml-intern installed by bench/ml_tasks/install_original.sh
(its own venv, outside this repository; `--original` or ORIGINAL_ML_INTERN names its
`ml-intern` executable). `--harness mini|mini-text|smolagents` runs a peer agent installed by
bench/ml_tasks/peers/install.sh (bench/ml_tasks/peers/; `--peers DIR` or ML_INTERN_PEERS names
where); peers need `--base-url`. `--max-iterations` is every harness's limit on model calls.

Bad input does not stop a pass: a peer not installed, one that crashes or one past `--timeout`
is a row with its reason in `exit_reason` (`missing: ...`, `crash: ...`, `timeout`). With
`--out`, a run already recorded there (same harness, set, task, repeat, model, and for ours the
same adaptations, checkout and temperature) is not run again: a half-finished pass resumes
where it stopped (rows of a missing harness are run again once it is installed). The original
missing is such a row too, and a run of ours that stops before its first call is one with the
reason it printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.ml_tasks import peers as peer_agents
from bench.ml_tasks.rows import (
    DEFAULTS_VARIANT,
    harness_row,
    recorded,
    row_head,
    run_key,
    switches,
)
from bench.ml_tasks.server_idle import wait_until_idle
from bench.ml_tasks.tasks import SETS, Task, all_tasks
from bench.ml_tasks.wire import sent_temperature, server_speed, wire_figures
from bench.recording_proxy import RecordingProxy
from bench.report import print_summary

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL = Path(
    os.environ.get("ORIGINAL_ML_INTERN")
    or Path.home() / "ml-intern-original" / "venv" / "bin" / "ml-intern"
)
TASK_TIMEOUT_S = 900.0
# Every variable through which either harness finds an OpenAI-compatible server.
BASE_URL_VARIABLES = (
    "LLAMACPP_BASE_URL", "VLLM_BASE_URL", "OLLAMA_BASE_URL", "LMSTUDIO_BASE_URL",
    "LOCAL_LLM_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_BASE",
)  # fmt: skip
HARNESSES = ("ours", "original", *peer_agents.PEERS)
OFFLINE = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "LANGSMITH_TRACING": "false",
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "ML_INTERN_NO_HF_PROMPT": "1",
    "DO_NOT_TRACK": "1",
}


def command(args: argparse.Namespace, prompt: str) -> list[str]:
    """The harness's headless command line for one prompt."""
    if args.harness == "original":
        return [str(args.original), "--model", args.model, "--max-iterations",
                str(args.max_iterations), prompt]  # fmt: skip
    return ["uv", "run", "--project", str(args.checkout or ROOT), "ml-intern", "--model",
            args.model, "--output-format", "stream-json", "--max-iterations",
            str(args.max_iterations), prompt]  # fmt: skip


def environment(home: Path, hub: Any, model_url: str | None) -> dict[str, str]:
    """The run's environment: a fresh home and config, the local Hub, the proxied server."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    env = {**os.environ, **OFFLINE, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")}
    # The user's caches, not the fresh home's: uv's, and Kingfisher's compiled rules (~4.5 s of
    # CPU per run otherwise).
    env.setdefault("UV_CACHE_DIR", str(cache / "uv"))
    env.setdefault("KF_RULE_CACHE_DIR", str(cache / "kingfisher" / "rule-cache"))
    env.update(ML_INTERN_HOME=str(home / "ml-intern"), HF_ENDPOINT=hub.url, HF_TOKEN=hub.token)
    env.update(ML_INTERN_DATASETS_SERVER_URL=hub.url, HF_HOME=str(home / "hf"))
    if model_url:
        env.update(dict.fromkeys(BASE_URL_VARIABLES, model_url))
    return env


def write_config(home: Path, adaptations: dict[str, dict[str, bool]], model: str = "",
                 temperature: float | None = None) -> None:  # fmt: skip
    """The fresh home's user config (configs/settings.py reads it) with the rules' switches and,
    when given, the model's sampling temperature."""
    config: dict[str, object] = {"adaptations": adaptations} if adaptations else {}
    if temperature is not None:
        config["temperature"] = {model: temperature}
    if config:
        folder = home / "config" / "ml-intern"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cli_agent_config.json").write_text(json.dumps(config))


def task_hub(task: Task) -> Any:
    """A local Hub for this task: the fake Hub of the tests, with the task's hardware list and
    its repos (`hub.json`: {"repos": [{"kind", "id", "files": {path: text}, ...info}]})."""
    from tests.fakes.hub_http import reply
    from tests.fakes.hub_server import FakeHub

    spec = task.hub or {}
    hardware = spec.get("hardware")

    class TaskHub(FakeHub):
        def hardware(self, req: Any) -> Any:
            return reply(hardware) if hardware is not None else super().hardware(req)

    hub = TaskHub()
    for repo in spec.get("repos", []):
        info = {k: v for k, v in repo.items() if k not in {"kind", "id", "files"}}
        files = {path: text.encode() for path, text in repo.get("files", {}).items()}
        hub.add_repo(repo["kind"], repo["id"], files, **info)
    return hub


# How a harness's process starts: the test suite forks ours from its warm zygote
# (tests/fakes/cli_zygote.py `UvRunPopen`); a peer's is a fresh interpreter either way.
LAUNCH: Callable[..., subprocess.Popen[str]] = subprocess.Popen


def run_bounded(
    cmd: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> tuple[str, str, bool]:
    """Run `cmd`; past `timeout` its whole process group is killed. (stdout, stderr, timed out)."""
    process = LAUNCH(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    try:
        out, err = process.communicate(timeout=timeout)
        return out, err, False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        return out, err, True


def run_one(task: Task, args: argparse.Namespace, repeat: int) -> dict[str, Any]:
    """One task, once: prepare, run the harness, grade; the row of figures."""
    if why := not_installed(args):
        return {**row_head(task, args, repeat), "solved": False, "why": why, "answer": "",
                "exit_reason": why, "model_calls": None, "input_tokens": None,
                "output_tokens": None, "cost_usd": None, "wall_s": 0.0}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix=f"ml-task-{task.name}-") as tmp, ExitStack() as stack:
        workspace, home = Path(tmp) / "ws", Path(tmp) / "home"
        task.prepare(workspace)
        kept = args.keep_exchanges
        keep = kept / args.harness / task.name / str(repeat) if kept else None
        if keep is not None:  # a run done again: an earlier attempt's exchanges are not its own
            shutil.rmtree(keep, ignore_errors=True)
        wire = keep or Path(tmp) / "wire"
        proxy = None
        if args.base_url:
            proxy = RecordingProxy(args.base_url.rstrip("/").removesuffix("/v1"), wire)
            stack.callback(proxy.close)
        hub = stack.enter_context(task_hub(task))
        env = environment(home, hub, f"{proxy.url}/v1" if proxy else None)
        proxy_url = f"{proxy.url}/v1" if proxy else None
        cmd = harness_command(args, task, Path(tmp), workspace, home, env, proxy_url)
        busy_s = wait_until_idle(args.base_url) if args.base_url else 0.0
        started = time.monotonic()
        out, err, timed_out = run_bounded(cmd, workspace, env, args.timeout)
        wall = time.monotonic() - started
        row = harness_row(args.harness, out, err, timed_out, Path(tmp) / "result.json")
        if proxy:
            calls, tokens_in, tokens_out, last_reply = wire_figures(wire)
            row.update(model_calls=calls, input_tokens=tokens_in, output_tokens=tokens_out)
            row.update(server_speed(wire), sent_temperature=sent_temperature(wire))
            if args.harness == "original":
                row["answer"] = last_reply
        if timed_out:
            row["exit_reason"] = "timeout"
        if busy_s >= 1:  # the server was still busy with an earlier run's request
            row["server_busy_s"] = round(busy_s, 1)
        answer_file = Path(tmp) / "answer.md"
        answer_file.write_text(row["answer"])
        solved, reason = task.grade(workspace, answer_file)
        if keep:
            for name, text in (
                ("stdout.txt", out),
                ("stderr.txt", err),
                ("answer.md", row["answer"]),
            ):
                (keep / name).write_text(text)
    # The machine's 1-minute load as the run ended: a time limit under load measures the
    # machine, not the harness.
    return {**row_head(task, args, repeat), "solved": solved, "why": reason, **row,
            "answer": row["answer"][:200], "wall_s": round(wall, 1),
            "load": round(os.getloadavg()[0], 2)}  # fmt: skip


def harness_command(args: argparse.Namespace, task: Task, tmp: Path, workspace: Path,
                    home: Path, env: dict[str, str], proxy_url: str | None) -> list[str]:  # fmt: skip
    """The harness's command for one run in `tmp` (`home`'s config written, `env` completed)."""
    if args.harness == "ours":
        write_config(home, switches(args.adaptations, args.model), args.model,
                     args.temperature)  # fmt: skip
    if args.harness == "original":  # see install_original.sh: what is off offline
        env["ML_INTERN_CLI_CONFIG"] = str(args.original.parents[2] / "offline_config.json")
    peer = peer_agents.PEERS.get(args.harness)
    if not peer:
        return command(args, task.prompt)
    assert proxy_url  # main() requires --base-url for a peer
    (tmp / "prompt.md").write_text(task.prompt)
    return peer_agents.command(peer, args.peers, prompt_file=tmp / "prompt.md",
                               workspace=workspace, model=args.model, base_url=proxy_url,
                               steps=args.max_iterations, time_limit=args.timeout,
                               result=tmp / "result.json",
                               search_path=env.get("PATH", os.defpath))  # fmt: skip


def not_installed(args: argparse.Namespace) -> str | None:
    """`missing: ...` when the harness to run is not installed (None: it is, or is ours)."""
    if args.harness == "original" and not args.original.exists():
        return f"missing: no original ml-intern at {args.original}: run bench/ml_tasks/install_original.sh"
    peer = peer_agents.PEERS.get(args.harness)
    return peer_agents.missing(peer, args.peers) if peer else None


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per task: runs solved and median figures; over all: tasks solved in every run."""
    per_task: dict[str, dict[str, Any]] = {}
    for name in sorted({r["task"] for r in rows}):
        mine = [r for r in rows if r["task"] == name]
        per_task[name] = {"runs": len(mine), "solved": sum(r["solved"] for r in mine)}
        for key in ("model_calls", "input_tokens", "output_tokens", "cost_usd", "wall_s"):
            known = [r[key] for r in mine if r.get(key) is not None]
            per_task[name][key] = statistics.median(known) if known else None
    return {
        "tasks": len(per_task),
        "runs": len(rows),
        "solved_runs": sum(r["solved"] for r in rows),
        "tasks_solved_every_run": sum(t["solved"] == t["runs"] for t in per_task.values()),
        "tasks_solved_at_least_once": sum(t["solved"] > 0 for t in per_task.values()),
        "per_task": per_task,
    }


def print_table(summary: dict[str, Any]) -> None:
    print(
        f"\n{'task':<18} {'solved':>6} {'calls':>6} {'tok in':>8} {'tok out':>8} {'cost $':>8} {'wall s':>7}"
    )
    for name, t in summary["per_task"].items():
        cost = "-" if t["cost_usd"] is None else f"{t['cost_usd']:.4f}"
        print(f"{name:<18} {t['solved']:>2}/{t['runs']:<3} {t['model_calls']!s:>6} "
              f"{t['input_tokens']!s:>8} {t['output_tokens']!s:>8} {cost:>8} {t['wall_s']!s:>7}")  # fmt: skip
    print(f"solved in every run: {summary['tasks_solved_every_run']} of {summary['tasks']} tasks "
          f"({summary['solved_runs']} of {summary['runs']} runs); medians per task")  # fmt: skip


def arguments_parser() -> argparse.ArgumentParser:
    """The command line of `main`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a model id the harness accepts (required to run)")
    parser.add_argument("--set", choices=SETS, default="dev", help="which task set (default dev)")
    parser.add_argument("--list", action="store_true", help="print the set's tasks, run nothing")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--harness", choices=HARNESSES, default="ours")
    parser.add_argument("--task", action="append", help="only this task (repeatable)")
    parser.add_argument(
        "--base-url", help="an OpenAI-compatible server (…/v1), proxied and counted"
    )
    parser.add_argument("--keep-exchanges", type=Path, help="keep raw exchanges under this folder")
    parser.add_argument("--timeout", type=float, default=TASK_TIMEOUT_S, help="seconds per run")
    parser.add_argument("--max-iterations", type=int, default=12)
    parser.add_argument("--original", type=Path, default=ORIGINAL, help="the original's ml-intern")
    parser.add_argument("--peers", type=Path, default=peer_agents.PEERS_DIR, help="peers' venvs")
    parser.add_argument("--out", type=Path, help="append each run's row to this JSONL file")
    parser.add_argument("--adaptations", default="default", help="default | none | =-RULE[,+RULE]")
    parser.add_argument("--variant", help="the table's name for these switches (ours only)")
    parser.add_argument("--temperature", type=float,
                        help="ours' sampling (default: its own, 0 on a local server)")  # fmt: skip
    parser.add_argument("--checkout", type=Path, help="another checkout's harness (its uv env)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = arguments_parser()
    args = parser.parse_args(argv)
    if not args.model and not args.list:
        parser.error("--model is required to run the tasks (--list needs none)")
    if args.temperature is not None and args.harness != "ours":
        parser.error("--temperature sets ours' sampling; a peer samples as its defaults say")
    if args.harness in peer_agents.PEERS and not args.list and not args.base_url:
        parser.error("a peer needs --base-url (it reaches the model through that server)")
    try:
        tasks = all_tasks(args.task, args.set)
        switches(args.adaptations, args.model or "")
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if args.list:
        for task in tasks:
            print(f"{task.name:<20} {task.prompt.splitlines()[0][:100]}")
        return 0
    rows = []
    done = recorded(args.out)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
    for repeat in range(args.repeats):
        for task in tasks:
            if (row := done.get(run_key(row_head(task, args, repeat)))) is not None:
                print(f"recorded in {args.out}: {task.name} pass {repeat}", file=sys.stderr)
                rows.append(row)
                continue
            row = run_one(task, args, repeat)
            rows.append(row)
            print(json.dumps(row), flush=True)
            if args.out:
                with args.out.open("a") as handle:
                    handle.write(json.dumps(row) + "\n")
    summary = summarise(rows)
    print_table(summary)
    bench = "ml_tasks" if args.set == "dev" else "ml_tasks_held_out"
    if args.harness != "ours":  # its own figures, not ours' latest
        bench += "_" + args.harness.replace("-", "_")
    head = {"bench": bench, "set": args.set, "harness": args.harness, "model": args.model,
            "adaptations": args.adaptations, "checkout": str(args.checkout or "")}  # fmt: skip
    if part := partial_run(args):
        head.pop("bench")  # a part of the set or a variant: its rows, not the set's figure
        print(f"not recorded in bench/results ({part}); the rows are the record", file=sys.stderr)
    print_summary({**head, **summary})  # the whole set: also appended to bench/results/
    return 0


def partial_run(args: argparse.Namespace) -> str:
    """Why this run's summary is not the set's figure for its harness (its tasks picked, a
    variant's switches, another checkout, a temperature of its own), or "". A run named
    `DEFAULTS_VARIANT` is today's defaults under their table name, so it counts."""
    why = {
        "tasks picked": bool(args.task),
        "rules switched": args.adaptations != "default",
        "a variant": bool(args.variant) and args.variant != DEFAULTS_VARIANT,
        "another checkout": args.checkout is not None,
        "a temperature": args.temperature is not None,
    }
    return ", ".join(name for name, holds in why.items() if holds)


if __name__ == "__main__":
    raise SystemExit(main())
