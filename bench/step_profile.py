"""Where the CPU of one step goes: both model paths, four kinds of tool call, split by stage.

The real CLI runs headless in this process with the default config (streaming, undo on, the
host executor) against a scripted server in another process (OpenAI-compatible or
Anthropic-shaped), N steps of one tool call each. `sys.monitoring` (PEP 669) watches only the
functions that begin a stage (no other code pays for it): a stage's CPU is the thread CPU
spent while one of its functions is the innermost stage on that thread's stack, across
every suspension and resumption of a coroutine. What no stage claims (LangGraph's engine,
asyncio, HTTP parsing between stages) is `other`: the process's CPU minus the stages'. The
tool's own processes (`bash`) are `tool_process`: the children's rusage.

The window runs from the second model request to the last (the final answer's), so a figure is
a whole step: request and reply, approval, the tool, masking, the journal, checkpoints, events.

    uv run python bench/step_profile.py [--steps 20] [--repeats 3] [--kinds read,bash_noop]

Each (provider, kind) runs in a fresh process, `--repeats` times, interleaved; the table is the
median per stage. The machine is shared: CPU, not wall, is the figure, and repeats tame the
noise (a niced llama server and other test runs share the cores; the load is recorded).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import median, print_summary, print_table
from bench.stage_clock import StageClock, Window

# How a measured run starts (`python -m bench.step_profile --one ...`): the test suite forks
# it from its CLI zygote, which already imported what a fresh interpreter would.
RUN: Callable[..., subprocess.CompletedProcess[bytes]] = subprocess.run
KEY = "sk-ant-bench-not-a-real-key"
MODELS = {"openai": "openai/scripted-model", "anthropic": "anthropic/claude-sonnet-4-5-20250929"}
KINDS = ("read", "bash_noop", "bash_write", "write")
# The functions that begin each stage ("module:qualname"; `<locals>` reaches a closure).
STAGES: dict[str, tuple[str, ...]] = {
    "model_call": ("nodes.invoke:invoke_thinking",),
    "model_node": ("nodes.call_model:call_model",),
    "approval": (
        "nodes.approval_interrupt:approval_interrupt",
        "graph.builder:route_after_approval",
        "graph.builder:sent_at_once",
        "nodes.approval_record:approval_key",
        "nodes.approval_record:holds",
    ),
    "tool": ("nodes.execute_tools:run_call",),
    "masking": (
        "tools.secrets.sources:refresh",
        "tools.secrets:masked_tool_message",
        "tools.secrets:StreamMasker.__call__",
    ),
    "journal": (
        "store.workspace_journal:WorkspaceJournal.start",
        "store.workspace_journal:WorkspaceJournal.finish",
    ),
    "checkpoint": (
        "store.message_store:MessageStoreSaver._prepare_put",
        "store.message_store:MessageStoreSaver._prepare_writes",
        "store.message_store:MessageStoreSaver.aget_tuple",
        "store.sqlite_runner:SqliteRunner._attempt",
    ),
    "events": (
        "graph.events:EventTranslator.translate",
        "graph.session:Session._observed",
        "graph.session:Session._note",
        "cli.headless:Output.event",
    ),
    "routing": (
        "graph.builder:to_model",
        "graph.builder:entry_router.<locals>.route_entry",
        "graph.builder:after_model_router.<locals>.route_after_model",
        "graph.builder:route_after_compact",
        "graph.builder:route_after_doom_check",
        "nodes.doom_check:doom_check",
    ),
}
ORDER = (*STAGES, "tool_process", "other")
# `--engine`: what `other` holds, marked by the library's own functions (an inner stage above
# still claims its part): LangGraph's superstep (tick, after_tick, writes, the checkpoint's
# bookkeeping, the runner), a node's wrappers (RunnableSeq: its traced run; RunnableCallable),
# the routers' branch, the callbacks' dispatch, the stream, and our pump of it.
ENGINE_STAGES: dict[str, tuple[str, ...]] = {
    "lg_tick": ("langgraph.pregel._loop:PregelLoop.tick",),
    "lg_after_tick": ("langgraph.pregel._loop:PregelLoop.after_tick",),
    "lg_put_writes": (
        "langgraph.pregel._loop:AsyncPregelLoop.put_writes",
        "langgraph.pregel._loop:PregelLoop.put_writes",
    ),
    "lg_put_checkpoint": ("langgraph.pregel._loop:PregelLoop._put_checkpoint",),
    "lg_runner": (
        "langgraph.pregel._runner:PregelRunner.atick",
        "langgraph.pregel._runner:PregelRunner.commit",
    ),
    "lg_retry": ("langgraph.pregel._retry:arun_with_retry",),
    "lg_node_seq": ("langgraph._internal._runnable:RunnableSeq.ainvoke",),
    "lg_callable": ("langgraph._internal._runnable:RunnableCallable.ainvoke",),
    "lg_branch": ("langgraph.graph._branch:BranchSpec._aroute",),
    "lg_astream": ("langgraph.pregel.main:Pregel.astream",),
    "callbacks": ("langchain_core.callbacks.manager:ahandle_event",),
    "session_pump": ("graph.session:Session._run_events.<locals>.pump",),
}


# --- the scripted model, in its own process --------------------------------------------


def call_for(kind: str, i: int) -> dict[str, Any]:
    """Step i's tool call: distinct arguments every step (no loop guard)."""
    if kind == "read":
        args: dict[str, Any] = {"path": "data.txt", "limit": 100 + i}
        name = "read"
    elif kind == "bash_noop":
        name, args = "bash", {"command": f"wc -l data.txt && echo {i}"}
    elif kind == "bash_write":
        name, args = "bash", {"command": f"echo step {i} >> log.txt"}
    else:
        name, args = "write", {"path": "notes.txt", "content": f"step {i}\n" * 50}
    return {"name": name, "id": f"toolu_{i:04d}", "arguments": args}


def serve(provider: str, kind: str, steps: int, url_out: int, stop_in: int) -> None:
    """Answer step i with the kind's call, then a final answer; the server's URL written to
    `url_out` (then closed), served until `stop_in` closes."""
    from tests.fakes.anthropic_server import ScriptedAnthropicServer
    from tests.fakes.llm_server import ScriptedLLMServer, Turn

    counter = itertools.count(1)

    def respond(_request: dict[str, Any]) -> Turn:
        i = next(counter)
        return Turn(content="done") if i > steps else Turn(tool_calls=[call_for(kind, i)])

    server_class = ScriptedAnthropicServer if provider == "anthropic" else ScriptedLLMServer
    extra = {"api_key": KEY} if provider == "anthropic" else {}
    with server_class(responder=respond, **extra) as server:
        os.write(url_out, server.url.encode())
        os.close(url_out)
        while os.read(stop_in, 1):
            pass


def start_server(provider: str, kind: str, steps: int) -> tuple[int, str, int]:
    """The scripted server in a process forked from this one before the CLI runs (what it
    imports, this one already holds): its pid, its URL, and the pipe whose closing ends it."""
    import tests.fakes.anthropic_server
    import tests.fakes.llm_server  # noqa: F401 - imported once, before the fork

    url_in, url_out = os.pipe()
    stop_in, stop_out = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(url_in)
            os.close(stop_out)
            serve(provider, kind, steps, url_out, stop_in)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(url_out)
    os.close(stop_in)
    with open(url_in, encoding="utf-8") as answer:
        url = answer.read()  # to the end: the server wrote its URL and closed the pipe
    if not url:
        os.close(stop_out)
        os.waitpid(pid, 0)
        raise RuntimeError("the scripted server did not start")
    return pid, url, stop_out


# --- one run: the CLI in this process --------------------------------------------------


def run_one(provider: str, kind: str, steps: int, out: Path, engine: bool = False) -> None:
    """The CLI headless in this process, watched; the window's figures into `out` as JSON
    (`engine`: `other` split by ENGINE_STAGES)."""
    work = Path(tempfile.mkdtemp(prefix=f"step-{provider}-{kind}-", dir=out.parent))
    workspace = work / "ws"
    workspace.mkdir()
    (workspace / "data.txt").write_text(("x" * 99 + "\n") * 200)
    server, url, stop = start_server(provider, kind, steps)
    try:
        stages = {**STAGES, **ENGINE_STAGES} if engine else STAGES
        figures = _run_cli(provider, workspace, work, url, steps, stages)
    finally:
        os.close(stop)
        os.waitpid(server, 0)
    out.write_text(json.dumps(figures))


def _run_cli(
    provider: str, workspace: Path, work: Path, url: str, steps: int, stages: dict[str, Any]
) -> dict[str, Any]:
    os.environ.update(
        ML_INTERN_HOME=str(work / "home"),
        XDG_CONFIG_HOME=str(work / "config"),
        ML_INTERN_NO_HF_PROMPT="1",
        OPENAI_API_KEY="sk-bench-not-a-real-key",
        ANTHROPIC_API_KEY=KEY,
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        HF_HUB_OFFLINE="1",
    )
    config = work / "config.json"
    config.write_text(json.dumps({"api_base": url}))  # otherwise the default config
    os.chdir(workspace)
    clock = StageClock(stages)
    window = Window(clock, stages["model_call"][0], start=2, end=steps + 1)
    clock.install()
    sys.monitoring.register_callback(clock.TOOL, sys.monitoring.events.PY_START, window.on_start)
    import cli

    argv = ["--model", MODELS[provider], "--max-iterations", str(steps + 5)]
    argv += ["--output-format", "json", "--config", str(config), "work on data.txt"]
    sys.argv = ["ml-intern", *argv]
    try:
        cli.main()
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise RuntimeError(f"the CLI exited with {stop.code}") from None
    finally:
        sys.monitoring.free_tool_id(clock.TOOL)
    if window.figures is None:
        raise RuntimeError(f"the run made {window.requests} model requests, not {steps + 1}")
    per_step = {k: v * 1000 / (steps - 1) for k, v in window.figures.items()}
    return per_step


# --- the bench -------------------------------------------------------------------------


def measure(
    provider: str, kind: str, steps: int, tmp: Path, cached: bool = True, engine: bool = False
) -> dict[str, float]:
    """One run in a fresh process; `cached`: bytecode kept under `tmp`, as after a first run
    (else the environment's own)."""
    out = tmp / f"{provider}-{kind}-{time.monotonic_ns()}.json"
    env = dict(os.environ)
    if cached:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.setdefault("PYTHONPYCACHEPREFIX", str(tmp / "pycache"))
    done = RUN(
        [sys.executable, "-m", "bench.step_profile", "--one", provider, kind, str(steps),
         str(out), str(engine)],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{provider}/{kind} failed: {done.stderr.decode()[-3000:]}")
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--providers", default=",".join(MODELS))
    parser.add_argument("--label", default="", help="a name for this pass (before/after a cut)")
    parser.add_argument("--no-warm-up", action="store_true", help="on the bytecode the venv has")
    parser.add_argument("--engine", action="store_true", help="split `other` (ENGINE_STAGES)")
    args = parser.parse_args(argv)
    kinds, providers = args.kinds.split(","), args.providers.split(",")
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as tmp:
        # One warm-up run compiles the bytecode, then every pair takes its turn per repeat.
        cached = not args.no_warm_up
        if cached:
            measure(providers[0], kinds[0], 3, Path(tmp))
        for _, provider, kind in itertools.product(range(args.repeats), providers, kinds):
            runs.setdefault((provider, kind), []).append(
                measure(provider, kind, args.steps, Path(tmp), cached, args.engine)
            )
    summary: dict[str, Any] = {
        "bench": "step_profile",
        "steps": args.steps,
        "repeats": args.repeats,
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }
    if args.label:
        summary["label"] = args.label
    rows = []
    for (provider, kind), found in runs.items():
        stages = {k: round(median([f[k] for f in found]), 2) for k in found[0]}
        stages["total"] = round(median([_total(f) for f in found]), 2)
        summary.setdefault(provider, {})[kind] = stages
        order = (*ORDER[:-1], *ENGINE_STAGES, "other") if args.engine else ORDER
        rows.append([f"{provider} {kind}", *(stages[k] for k in (*order, "total"))])
    for provider in providers:
        got = summary[provider]
        if "read" in got and "bash_noop" in got:
            got["bash_over_read"] = round(got["bash_noop"]["total"] / got["read"]["total"], 2)
    title = (
        f"CPU ms a step by stage, {args.steps} steps, medians of {args.repeats} (load {load:.1f})"
    )
    order = (*ORDER[:-1], *ENGINE_STAGES, "other") if args.engine else ORDER
    print_table(title, rows, ["path / call", *order, "total"])
    print_summary(summary)
    return summary


def _total(f: dict[str, float]) -> float:
    return f["total_in_process"] + f["tool_process"]


def _dispatch(argv: list[str]) -> Callable[[], None] | None:
    if argv[:1] == ["--one"]:
        provider, kind, steps, out, engine = argv[1:6]
        return lambda: run_one(provider, kind, int(steps), Path(out), engine == "True")
    return None


if __name__ == "__main__":
    action = _dispatch(sys.argv[1:])
    if action is not None:
        action()
    else:
        main()
