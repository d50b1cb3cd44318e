"""`langgraph` on the web tests' PATH: `langgraph dev` forked from the CLI zygote.

`ml-intern web` and `ml-intern studio` start the `langgraph` they find on PATH. In the
tests, runs forked from the zygote (tests/fakes/cli_zygote.py) find this shim first; it asks
the zygote for a fork that runs the real `langgraph` console script with the shim's argv,
environment, working directory and stdio, so the server skips importing litellm and
LangChain again (~3.5 s of CPU per server). The shim stands in for that process: the
signals it gets go to the server, it ends with the server's exit code, and if it is killed
the server is killed with it. Without the zygote's socket in the environment it runs the
real script itself.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import NoReturn

SOCKET_ENV = "ML_INTERN_TEST_ZYGOTE"
SCRIPT = """#!{python}
import sys
sys.path.insert(0, {repo!r})
from tests.fakes.langgraph_shim import main
main(sys.argv[1:])
"""


def install(directory: Path, repo: Path) -> Path:
    """Write the `langgraph` shim into `directory` (to put first on PATH)."""
    shim = directory / "langgraph"
    shim.write_text(SCRIPT.format(python=sys.executable, repo=str(repo)))
    shim.chmod(0o755)
    return shim


def main(argv: list[str]) -> NoReturn:
    real = str(Path(sys.executable).with_name("langgraph"))
    path = os.environ.get(SOCKET_ENV)
    if not path:
        os.execv(real, [real, *argv])
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    request = {
        "program": real, "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
        "new_session": True, "tied": True,
    }  # fmt: skip
    socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
    answers = conn.makefile("r")
    pid = int(answers.readline())
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: os.kill(pid, signum))
    line = answers.readline()
    code = int(line.split()[0]) if line.strip() else 1  # `<exit code> <CPU seconds>`
    sys.exit(code if code >= 0 else 128 - code)
