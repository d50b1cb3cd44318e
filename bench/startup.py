"""Start-up benchmark: `ml-intern --help`, `--version`, and the REPL prompt in a terminal.

Each figure is the median of N fresh processes (the installed `.venv/bin/ml-intern`
script, as a user runs it), in an isolated ML_INTERN_HOME with no network.

    uv run python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, median, print_summary, print_table

TARGETS = {"help": 0.3, "version": 0.3, "repl_prompt": 1.0}
PROMPT = "›"
CURSOR_POSITION_REQUEST = "\x1b[6n"


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


def repl_available() -> bool:
    return (ROOT / "cli" / "repl.py").exists()


def main(argv: list[str] | None = None) -> dict[str, float | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-repl", action="store_true", help="skip the REPL prompt figure")
    args = parser.parse_args(argv)
    repl = repl_available() and not args.no_repl
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as tmp:
        tmp_path = Path(tmp)
        env, cwd = environment(tmp_path), tmp_path
        # Compile bytecode once; every run below is then a fresh process, as after a first use.
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
    rows = [
        [
            f"ml-intern {label}",
            None if fig[key] is None else round(fig[key], 3),
            TARGETS[key],
            None if fig[key] is None else ("yes" if fig[key] <= TARGETS[key] else "no"),
        ]
        for key, label in (
            ("help", "--help"),
            ("version", "--version"),
            ("repl_prompt", "REPL prompt"),
        )
    ]
    print_table(
        f"bench/startup.py: median of {args.runs} runs, seconds",
        rows,
        ["figure", "s", "target", "met"],
    )
    if fig["repl_prompt"] is None:
        print("REPL prompt: skipped (--no-repl, or cli/repl.py is not there yet)")
    print_summary({"bench": "startup", "runs": args.runs, **{f"{k}_s": v for k, v in fig.items()}})
    return fig


if __name__ == "__main__":
    main()
