"""The warm-up thread imports litellm only for a model whose calls go through it (an editor's
`ml-intern acp` and the REPL both start one): seconds of CPU at every launch otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A fresh interpreter: the test process has imported litellm long before.
PROGRAM = """
import sys
from cli.warmup import Warmup
asked = []
def decide():
    asked.append(True)
    return {choice}
warmup = Warmup(litellm=decide).start()
warmup.join()
print(bool(asked), "litellm" in sys.modules, "graph.session" in sys.modules)
"""


def warmed(choice: bool) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(choice=choice)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_a_model_off_litellm_s_path_warms_up_without_it() -> None:
    # decided in the thread, then the runtime imported without litellm
    assert warmed(False) == "True False True"
