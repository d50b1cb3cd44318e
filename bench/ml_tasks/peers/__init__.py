"""The peer agents bench/ml_tasks/run.py runs beside ours and the original, as data.

Each peer is installed, pinned, into its own venv by `install.sh NAME` (under PEERS_DIR, or
`--peers DIR`) and driven by `<install>_runner.py` run with that venv's python (the command
line and result file: peer_protocol.py). `--harness mini` is mini-swe-agent's default
configuration, `mini-text` its text-based one, `smolagents` a CodeAgent.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PEERS_DIR = Path(os.environ.get("ML_INTERN_PEERS") or Path.home() / "ml-intern-peers")


@dataclass(frozen=True)
class Peer:
    harness: str  # the name `--harness` takes and rows carry
    install: str  # install.sh's argument, the venv's folder and the runner's prefix
    pin: str  # what install.sh installs
    config: str  # the runner's --config

    def python(self, peers: Path) -> Path:
        return peers / self.install / "venv" / "bin" / "python"

    @property
    def runner(self) -> Path:
        return HERE / f"{self.install}_runner.py"


PEERS = {
    peer.harness: peer
    for peer in (
        Peer("mini", "mini", "mini-swe-agent==2.4.6", "default"),
        Peer("mini-text", "mini", "mini-swe-agent==2.4.6", "text"),
        Peer("smolagents", "smolagents", "smolagents[litellm]==1.26.0", "default"),
    )
}


def missing(peer: Peer, peers: Path) -> str | None:
    """Why `peer` cannot run from `peers` (None: its venv's python is there)."""
    python = peer.python(peers)
    if os.access(python, os.X_OK):
        return None
    return f"missing: no {peer.install} venv at {python.parents[1]}: run bench/ml_tasks/peers/install.sh {peer.install}"


def command(peer: Peer, peers: Path, *, prompt_file: Path, workspace: Path, model: str,
            base_url: str, steps: int, time_limit: float, result: Path,
            search_path: str) -> list[str]:  # fmt: skip
    """The peer runner's command line (peer_protocol.arguments reads it); `search_path` is the
    run's PATH, whose first `python3` the agent's commands get."""
    return [str(peer.python(peers)), str(peer.runner), "--prompt-file", str(prompt_file),
            "--workspace", str(workspace), "--model", model, "--base-url", base_url,
            "--steps", str(steps), "--time-limit", str(time_limit), "--result", str(result),
            "--config", peer.config, "--python-path", python3_packages(search_path)]  # fmt: skip


@functools.cache
def python3_packages(search_path: str) -> str:
    """The package folders (os.pathsep-joined) of the first `python3` on `search_path`: what a
    command's `python3` imports in any harness; "" when there is none."""
    python = shutil.which("python3", path=search_path)
    if python is None:
        return ""
    asked = [python, "-c", "import os, site; print(os.pathsep.join(site.getsitepackages()))"]
    found = subprocess.run(asked, capture_output=True, text=True, timeout=120, check=False)
    return found.stdout.strip() if found.returncode == 0 else ""


def outcome(result: Path, stderr: str, timed_out: bool) -> dict[str, str]:
    """`answer` and `exit_reason` of one peer run: its result file, else why there is none."""
    if timed_out:
        return {"answer": "", "exit_reason": "timeout"}
    try:
        found: Any = json.loads(result.read_text())
        return {"answer": str(found.get("answer") or ""), "exit_reason": str(found["exit_reason"])}
    except (OSError, ValueError, KeyError, AttributeError):
        last = next((line for line in reversed(stderr.splitlines()) if line.strip()), "")
        return {"answer": "", "exit_reason": f"crash: {last.strip()}"[:200] if last else "crash"}
