"""What every peer runner shares: its command line, its time limit and its result file.

A runner (`<peer>_runner.py`, run with the peer's own venv python, so standard library only
here) is called as

    python <peer>_runner.py --prompt-file F --workspace DIR --model NAME --base-url URL/v1
        --steps 12 --time-limit SECONDS --result FILE [--config NAME] [--python-path DIRS]

and runs the peer headless in DIR on the task in F, against the OpenAI-compatible server at
URL (litellm model id `openai/<NAME>`, NAME being the last part of a `provider/name` id), with
at most `--steps` model calls. It writes FILE, one JSON object: `answer` (what the peer handed
back, "" when it handed back nothing) and `exit_reason` (`done`, `step limit`, `time limit`,
`format errors`, or the peer's own exit status). No result file means the runner crashed;
bench/ml_tasks/run.py then records the last line of its stderr.

`--python-path` lists (os.pathsep) the package folders of the `python3` every other harness's
commands get (the first on the run's PATH): a runner whose agent runs Python in the runner's own
process adds them behind its own (`with_agent_packages`), so that code imports what a command's
`python3` would (pandas, scikit-learn, ...), the peer's own packages first.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

# The share of --time-limit after which a runner stops its peer itself and writes what it has;
# run.py kills the process group at the full limit.
OWN_STOP = 0.9


class TimeLimit(BaseException):
    """Raised in the runner's main thread at its own stop (a BaseException: a peer's
    `except Exception` around a step does not swallow it)."""


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run one peer agent headless on one task.")
    parser.add_argument("--prompt-file", type=Path, required=True)
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--model", required=True, help="the served model's name (or prov/name)")
    parser.add_argument("--base-url", required=True, help="an OpenAI-compatible server, …/v1")
    parser.add_argument("--steps", type=int, default=12, help="at most this many model calls")
    parser.add_argument("--time-limit", type=float, default=900.0, help="seconds")
    parser.add_argument("--result", type=Path, required=True, help="the result file to write")
    parser.add_argument("--config", default="default", help="the peer's configuration")
    parser.add_argument("--python-path", default="", help="python3's package folders (os.pathsep)")
    return parser.parse_args(argv)


def with_agent_packages(args: argparse.Namespace) -> None:
    """Adds `--python-path`'s folders to this process's import path, after its own."""
    for folder in args.python_path.split(os.pathsep):
        if folder and folder not in sys.path:
            sys.path.append(folder)


def litellm_model_id(model: str) -> str:
    """`openai/<name>`: every peer reaches the server through its OpenAI-compatible API."""
    return "openai/" + model.rsplit("/", 1)[-1]


def stop_after(seconds: float) -> None:
    """Raise TimeLimit in the main thread after `seconds` (OWN_STOP of the limit)."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise TimeLimit(f"stopped by the runner after {seconds:.0f} s")

    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.1))


def write_result(path: Path, answer: Any, exit_reason: str, **extra: Any) -> None:
    """The runner's result file (see the module docstring)."""
    signal.setitimer(signal.ITIMER_REAL, 0)
    text = "" if answer is None else str(answer)
    path.write_text(json.dumps({"answer": text, "exit_reason": exit_reason, **extra}))


def crash_reason(error: BaseException) -> str:
    """`crash: Type: the message on one line` (at most 200 characters)."""
    return f"crash: {type(error).__name__}: {' '.join(str(error).split())}"[:200]


def run_headless(run: Callable[[argparse.Namespace, float], tuple[Any, str]]) -> None:
    """The runner's main: parse the arguments, stop at OWN_STOP of the time limit counted from
    the start (imports included), call `run(args, own_stop_at)` -> (answer, exit_reason), and
    write the result file; a crash writes its reason and re-raises (a traceback on stderr)."""
    args = arguments()
    own_stop_at = time.monotonic() + args.time_limit * OWN_STOP
    stop_after(args.time_limit * OWN_STOP)
    try:
        answer, reason = run(args, own_stop_at)
    except TimeLimit:
        answer, reason = "", "time limit"
    except Exception as error:  # the peer's own failure: a row with its reason
        write_result(args.result, "", crash_reason(error))
        raise
    write_result(args.result, answer, reason)
