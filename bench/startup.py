"""Start-up benchmark: `ml-intern --help`, `--version`, the REPL prompt in a terminal, and
launch to the first model request, beside `python -c "import litellm"` in the same run.
Launch and `import litellm` also record their CPU (user + system of the process, at the
request's arrival for launch): a guide where wall time is not (a loaded machine).

Each figure is the median of N fresh processes (the installed `.venv/bin/ml-intern`
script, as a user runs it), in an isolated ML_INTERN_HOME with no network. Launch to the first
request: the CLI headless with the default config (streaming, undo on) against a scripted
OpenAI-compatible server and an Anthropic-shaped one on loopback, from spawn to the request's
arrival. Bytecode is compiled into a private cache by first, uncounted runs; `--no-warm-up`
skips them and uses the environment's bytecode as it is (the test suite's: it checks that the
script runs and records its figures, and an empty cache made it compile every module).

    uv run python bench/startup.py [--runs 10] [--no-first-request] [--no-warm-up]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.provider_path import ended_cpu_s, process_cpu_s
from bench.report import ROOT, median, print_summary, print_table

TARGETS = {"help": 0.3, "version": 0.3, "repl_prompt": 1.0, "first_request_openai": 1.5}
TARGETS |= {"first_request_anthropic": 1.5, "import_litellm": None}
MODELS = {"openai": "openai/scripted-model", "anthropic": "anthropic/claude-sonnet-4-5-20250929"}
ANTHROPIC_KEY = "sk-ant-bench-not-a-real-key"
PROMPT = "›"
CURSOR_POSITION_REQUEST = "\x1b[6n"
# How a headless run and `python -c "import litellm"` start (the test suite's smoke run forks
# all but its first from its CLI zygote).
LAUNCH: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen


def command() -> list[str]:
    script = ROOT / ".venv" / "bin" / "ml-intern"
    return [str(script)] if script.exists() else ["uv", "run", "--no-sync", "ml-intern"]


def environment(tmp: Path, own_bytecode: bool = True) -> dict[str, str]:
    """An isolated home; bytecode cached (under `tmp`, not in the venv) as after a first run,
    or with `own_bytecode=False` the environment's own (an empty cache would compile it all)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_API_KEY") and (k != "PYTHONDONTWRITEBYTECODE" or not own_bytecode)
    }
    if own_bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env.update(
        ML_INTERN_HOME=str(tmp / "home"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        ML_INTERN_NO_HF_PROMPT="1",
        OPENAI_API_KEY="sk-bench-not-a-real-key",
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        HF_HUB_OFFLINE="1",
        TERM="xterm-256color",
    )
    return env


def time_command(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([*command(), *args], env=env, cwd=cwd, capture_output=True, timeout=60)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"ml-intern {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return elapsed


def time_repl_prompt(env: dict[str, str], cwd: Path) -> float:
    """Seconds from spawning the REPL in a pty until its prompt is on the screen."""
    import pexpect

    started = time.perf_counter()
    child = pexpect.spawn(
        command()[0],
        [*command()[1:], "--model", "openai/scripted-model"],
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        dimensions=(40, 120),
        timeout=30,
    )
    try:
        # Answer cursor-position requests as a real terminal does, or prompt_toolkit waits.
        while child.expect_exact([CURSOR_POSITION_REQUEST, PROMPT]) == 0:
            child.send("\x1b[1;1R")
        elapsed = time.perf_counter() - started
        child.sendcontrol("d")
        child.expect(pexpect.EOF, timeout=30)
    finally:
        if child.isalive():
            child.terminate(force=True)
    return elapsed


def time_first_request(provider: str, env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Seconds from spawning the CLI headless until its first model request arrives, and the
    CPU seconds the CLI had spent by then."""
    from tests.fakes.anthropic_server import ScriptedAnthropicServer
    from tests.fakes.llm_server import ScriptedLLMServer, Turn

    arrived: list[tuple[float, float]] = []
    pid: list[int] = []

    def answer(_request: dict[str, object]) -> Turn:
        arrived.append((time.perf_counter(), process_cpu_s(pid[0])))
        return Turn(content="done")

    server_class = ScriptedAnthropicServer if provider == "anthropic" else ScriptedLLMServer
    extra = {"api_key": ANTHROPIC_KEY} if provider == "anthropic" else {}
    with server_class(responder=answer, **extra) as server:
        config = cwd / f"first-request-{provider}.json"  # outside the workspace: trusted
        config.write_text(json.dumps({"api_base": server.url}))  # else the default config
        workspace = cwd / "first-request-workspace"
        workspace.mkdir(exist_ok=True)
        args = ["--model", MODELS[provider], "--output-format", "json", "--config", str(config)]
        started = time.perf_counter()
        child = LAUNCH(
            [*command(), *args, "hello"],
            env={**env, "ANTHROPIC_API_KEY": ANTHROPIC_KEY},
            cwd=workspace,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        pid.append(child.pid)
        try:
            _out, err = child.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise
    if child.returncode != 0 or not arrived:
        raise RuntimeError(f"the {provider} run failed: {err.decode()[-500:]}")
    return arrived[0][0] - started, arrived[0][1]


def time_import_litellm(env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """`python -c "import litellm"` in the venv, as the CLI's environment has it: seconds
    and CPU seconds."""
    python = ROOT / ".venv" / "bin" / "python"
    started = time.perf_counter()
    child = LAUNCH([str(python), "-c", "import litellm"], env=env, cwd=cwd)
    try:
        cpu = ended_cpu_s(child, timeout=300)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, child.args)
    return elapsed, cpu


def repl_available() -> bool:
    return (ROOT / "cli" / "repl.py").exists()


def main(argv: list[str] | None = None) -> dict[str, float | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-repl", action="store_true", help="skip the REPL prompt figure")
    parser.add_argument("--no-first-request", action="store_true", help="skip launch figures")
    parser.add_argument("--warm-up", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    repl = repl_available() and not args.no_repl
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as tmp:
        tmp_path = Path(tmp)
        env, cwd = environment(tmp_path, own_bytecode=args.warm_up), tmp_path
        if args.warm_up:  # bytecode compiled once; every run below is then as after a first use
            time_command(["--help"], env, cwd)
            time_command(["--version"], env, cwd)
            if repl:
                time_repl_prompt(env, cwd)
        fig: dict[str, float | None] = {
            "help": median([time_command(["--help"], env, cwd) for _ in range(args.runs)]),
            "version": median([time_command(["--version"], env, cwd) for _ in range(args.runs)]),
            "repl_prompt": None,
        }
        if repl:
            fig["repl_prompt"] = median([time_repl_prompt(env, cwd) for _ in range(args.runs)])
        if not args.no_first_request:
            fig |= first_request_figures(env, cwd, args.runs, args.warm_up)
    rows = [
        [
            label if key == "import_litellm" else f"ml-intern {label}",
            None if fig[key] is None else round(fig[key], 3),
            None if fig.get(f"{key}_cpu") is None else round(fig[f"{key}_cpu"], 3),
            TARGETS[key],
            None if fig[key] is None or TARGETS[key] is None else _met(fig[key], TARGETS[key]),
        ]
        for key, label in (
            ("help", "--help"),
            ("version", "--version"),
            ("repl_prompt", "REPL prompt"),
            ("first_request_openai", "to 1st request, OpenAI-compatible"),
            ("first_request_anthropic", "to 1st request, Anthropic"),
            ("import_litellm", 'python -c "import litellm" (same run)'),
        )
        if key in fig
    ]
    print_table(
        f"bench/startup.py: median of {args.runs} runs, seconds (CPU: user + system)",
        rows,
        ["figure", "s", "cpu s", "target", "met"],
    )
    if fig["repl_prompt"] is None:
        print("REPL prompt: skipped (--no-repl, or cli/repl.py is not there yet)")
    print_summary({"bench": "startup", "runs": args.runs, **{f"{k}_s": v for k, v in fig.items()}})
    return fig


def first_request_figures(
    env: dict[str, str], cwd: Path, runs: int, warm_up: bool = True
) -> dict[str, float | None]:
    """Launch to the first request on both model paths and `import litellm`, interleaved
    (with `warm_up`, one uncounted run each first, to compile their bytecode): wall and CPU
    medians."""
    found: dict[str, list[tuple[float, float]]] = {"openai": [], "anthropic": [], "litellm": []}
    for n in range(-1 if warm_up else 0, runs):
        for provider in MODELS:
            measured = time_first_request(provider, env, cwd)
            found[provider] += [measured] if n >= 0 else []
        measured = time_import_litellm(env, cwd)
        found["litellm"] += [measured] if n >= 0 else []
    figures: dict[str, float | None] = {}
    for key, name in (
        ("openai", "first_request_openai"),
        ("anthropic", "first_request_anthropic"),
        ("litellm", "import_litellm"),
    ):
        figures[name] = median([wall for wall, _ in found[key]])
        figures[f"{name}_cpu"] = median([cpu for _, cpu in found[key]])
    return figures


def _met(value: float, target: float) -> str:
    return "yes" if value <= target else "no"


if __name__ == "__main__":
    main()
