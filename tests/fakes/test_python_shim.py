"""The `python3` shim's runs (forked from the table zygote) behave as the interpreter's own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.python_shim import SOCKET_ENV, shim, shim_env

FAILING = """import json, sys
print(__name__, __file__, sys.argv, repr(sys.path[0]))
json.loads("{")
"""
# Whether the run's parent is the process that started it (a fresh interpreter's is).
PARENT = "import os, sys; print(os.getppid() == int(sys.argv[1]))"


def both(args: list[str], cwd: Path, stdin: str = "") -> list[tuple[int, str, str]]:
    """How `args` ended through the shim and in a fresh interpreter: exit code, stdout,
    stderr."""
    env = {**os.environ, **shim_env()}
    ended = []
    for program in (str(shim()), sys.executable):
        done = subprocess.run(
            [program, *args], input=stdin, cwd=cwd, env=env, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        ended.append((done.returncode, done.stdout, done.stderr))
    return ended


def test_a_program_on_stdin_prints_what_fails_as_the_interpreter_does(tmp_path: Path) -> None:
    """`__main__`, `__file__`, argv and sys.path[0] as `python -` has them; the traceback from
    the program's own frame, library frames included; the exit code."""
    forked, fresh = both(["-", "a"], tmp_path, FAILING)
    assert forked == fresh
    assert fresh[1] == "__main__ <stdin> ['-', 'a'] ''\n"
    assert fresh[2].startswith('Traceback (most recent call last):\n  File "<stdin>", line 3')
    assert fresh[0] == 1 and "json.decoder.JSONDecodeError" in fresh[2]


@pytest.mark.parametrize(
    "args",
    [
        ["-", "x"],  # with `print((1` on stdin
        ["-c", "import sys; print(sys.argv, __name__); sys.exit('no')", "b"],
        ["-c", "1 / 0"],
        ["-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"],
    ],
)
def test_a_syntax_error_an_exit_an_exception_and_a_signal_end_it_as_they_end_python(
    tmp_path: Path, args: list[str]
) -> None:
    forked, fresh = both(args, tmp_path, "print((1\n")
    assert forked == fresh


def test_it_forks_only_a_program_it_is_given_with_the_zygotes_environment(
    tmp_path: Path,
) -> None:
    """Through the shim, `-` and `-c` fork from the zygote; a script, a run without the
    zygote's socket or with another ML_ENV value starts this venv's interpreter."""
    env = {**os.environ, **shim_env()}
    (tmp_path / "parent.py").write_text(PARENT)
    mine = str(os.getpid())
    runs = {
        "-": (["-", mine], env, PARENT),
        "-c": (["-c", PARENT, mine], env, ""),
        "script": (["parent.py", mine], env, ""),
        "no socket": (["-c", PARENT, mine], {k: v for k, v in env.items() if k != SOCKET_ENV}, ""),
        "threads": (["-c", PARENT, mine], {**env, "OMP_NUM_THREADS": "2"}, ""),
    }
    fresh = {}
    for name, (args, run_env, stdin) in runs.items():
        done = subprocess.run(
            [str(shim()), *args], input=stdin, cwd=tmp_path, env=run_env, capture_output=True,
            text=True, timeout=60, check=True,
        )  # fmt: skip
        fresh[name] = done.stdout.strip() == "True"
    assert fresh == {"-": False, "-c": False, "script": True, "no socket": True, "threads": True}


def test_a_signal_to_the_shim_reaches_its_run(tmp_path: Path) -> None:
    env = {**os.environ, **shim_env()}
    code = "import time; print('up', flush=True); time.sleep(60)"
    with subprocess.Popen(
        [str(shim()), "-c", code], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    ) as run:
        assert run.stdout is not None and run.stdout.readline() == "up\n"
        run.send_signal(signal.SIGTERM)
        assert run.wait(30) == -signal.SIGTERM


def test_unbuffered_output_and_a_traceback_keep_their_order_in_one_pipe(tmp_path: Path) -> None:
    """PYTHONUNBUFFERED (the bash tool sets it): what the program printed comes before its
    traceback in a pipe that holds both, as from a fresh interpreter."""
    env = {**os.environ, **shim_env(), "PYTHONUNBUFFERED": "1"}
    merged = []
    for program in (str(shim()), sys.executable):
        done = subprocess.run(
            [program, "-"], input=FAILING, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=60,
        )  # fmt: skip
        merged.append(done.stdout)
    assert merged[0] == merged[1] and merged[0].startswith("__main__ <stdin> ['-'] ''\nTraceback")
