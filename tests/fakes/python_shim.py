"""`python3` for the pandas programs a test's commands run: forked from the table zygote.

A program fed to `python3 -` (a here-document, as a model writes one) or given to `python3 -c`
that imports pandas spends ~1 s of CPU in a fresh interpreter importing numpy, pandas and
pyarrow. The shim (named by path, or first on PATH: `shim_env`) sends the program with its
argv, environment, working directory and stdio to the table zygote (tests/fakes/cli_zygote.py),
which forks a process that has imported them; that run reads a `-` program from its stdin
and prints an uncaught exception as the interpreter does. The shim stands in for the run: the
signals it gets go to the run, it ends with the run's exit code (a run ended by a signal: by
that signal), and if it is killed the run is killed with it. Any other command line (a
script, `-m`, other flags), or an environment without the zygote's socket or with other
values of ML_ENV than the zygote imported with (or ML_INTERN_TESTS_FRESH_CLI=1), runs this
venv's interpreter itself.
"""

from __future__ import annotations

import atexit
import functools
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tests.fakes.cli_zygote import FRESH_ENV, ML_ENV, Zygote

if TYPE_CHECKING:
    import pytest

SOCKET_ENV = "ML_INTERN_TEST_TABLE_ZYGOTE"
# `-IS`: the shim's own start-up reads no site-packages and no PYTHON* variable (~10 ms).
SCRIPT = """#!{python} -IS
import json, os, signal, socket, sys

REAL, SOCKET_ENV, ENV, FRESH_ENV = {python!r}, {socket_env!r}, {env!r}, {fresh_env!r}


def request(argv):
    if argv[:1] == ["-"]:
        return {{"program": "-", "argv": argv[1:]}}
    if argv[:1] == ["-c"] and len(argv) > 1:
        return {{"code": argv[1], "argv": argv[2:]}}
    return None


def main(argv):
    asked, path = request(argv), os.environ.get(SOCKET_ENV)
    differs = any(os.environ.get(k) != v for k, v in ENV.items())
    if asked is None or not path or differs or os.environ.get(FRESH_ENV) == "1":
        os.execv(REAL, [REAL, *argv])
    asked.update(cwd=os.getcwd(), env=dict(os.environ), new_session=True, tied=True)
    passed = {{signal.SIGINT, signal.SIGTERM, signal.SIGHUP}}
    signal.pthread_sigmask(signal.SIG_BLOCK, passed)  # held until the run's pid is known
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    socket.send_fds(conn, [json.dumps(asked).encode() + b"\\n"], [0, 1, 2])
    answers = conn.makefile("r")
    pid = int(answers.readline())
    for sig in passed:
        signal.signal(sig, lambda signum, _frame: os.kill(pid, signum))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, passed)
    line = answers.readline()
    code = int(line.split()[0]) if line.strip() else 1  # `<exit code> <CPU seconds>`
    if code < 0:
        try:
            signal.signal(-code, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), -code)
    sys.exit(code)


main(sys.argv[1:])
"""


@functools.cache
def shim() -> Path:
    """This process's `python3` shim, written on first use into a folder of its own."""
    folder = Path(tempfile.mkdtemp(prefix="ml-intern-python-shim-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "python3"
    script = SCRIPT.format(
        python=sys.executable, socket_env=SOCKET_ENV, env=ML_ENV, fresh_env=FRESH_ENV
    )
    path.write_text(script)
    path.chmod(0o755)
    return path


def shim_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """What a command's environment (`environ`, default this process's) sets for its `python3`
    to be the shim, forking from the table zygote (started on first use): PATH led by the
    shim's folder, the zygote's socket, and ML_ENV."""
    environ = dict(os.environ) if environ is None else environ
    path = f"{shim().parent}{os.pathsep}{environ.get('PATH', os.defpath)}"
    return {"PATH": path, SOCKET_ENV: Zygote.shared("table").path, **ML_ENV}


def shim_in_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """This test's environment set (`shim_env`) for the commands its tools run, so a `python3`
    they run is the shim: the shim's path, quoted for a shell command line."""
    for name, value in shim_env().items():
        monkeypatch.setenv(name, value)
    return shlex.quote(str(shim()))
