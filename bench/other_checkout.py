"""Another checkout of this repository that a bench runs beside this one (`--against DIR`): its
interpreter and import path, a sentence saying why a directory is not one, and what a live
process of it runs.

DIR is a checkout (a git worktree, say) made ready by `uv sync`: `DIR/.venv/bin/python` and
`DIR/cli/`. Its processes run `DIR/.venv/bin/python` with `PYTHONPATH=DIR`, so `python -m cli`
imports DIR's modules (before its venv's editable install, wherever that points), and what
that CLI starts runs DIR's code too: cli/team_server.py starts Aegra with its own interpreter,
`PYTHONPATH` its own root and a config naming its own graph file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Checkout:
    """A checkout at `root` (absolute) that `refusal` accepted."""

    root: Path

    @property
    def python(self) -> Path:
        """Its venv's interpreter, as `uv sync` made it (not resolved: the venv is the link)."""
        return self.root / ".venv" / "bin" / "python"

    def environment(self, env: Mapping[str, str]) -> dict[str, str]:
        """`env` for a process of this checkout: its root importable first, its venv's `bin`
        first on PATH."""
        venv = self.root / ".venv"
        path = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', os.defpath)}"
        return {**env, "PYTHONPATH": str(self.root), "VIRTUAL_ENV": str(venv), "PATH": path}


def refusal(directory: Path) -> str | None:
    """Why `directory` is not a checkout a bench can run (a sentence naming what is missing),
    or None when it is one."""
    if not directory.is_dir():
        return f"--against {directory}: no such directory (give another checkout's root)"
    python = directory / ".venv" / "bin" / "python"
    if not os.access(python, os.X_OK):
        return (f"--against {directory}: no {python}; make its venv first "
                f"(`uv sync` in that checkout)")  # fmt: skip
    if not (directory / "cli" / "__main__.py").is_file():
        return f"--against {directory}: no cli/ package there, so not a checkout of ml-intern"
    return None


def checkout(directory: Path) -> Checkout:
    """The checkout at `directory`; ValueError with `refusal`'s sentence if it is not one."""
    if (why := refusal(directory)) is not None:
        raise ValueError(why)
    return Checkout(directory.resolve())


def origin(pid: int) -> dict[str, str]:
    """What a live process runs, from /proc: its interpreter (argv[0]), its `PYTHONPATH` and,
    for an Aegra process, the graph file its `AEGRA_CONFIG` names ("" for what it lacks)."""
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    env: dict[str, str] = {}
    for pair in pairs:
        key, _, value = pair.decode(errors="replace").partition("=")
        env[key] = value
    graph = ""
    if config := env.get("AEGRA_CONFIG"):
        graphs = json.loads(Path(config).read_text()).get("graphs", {})
        graph = next(iter(graphs.values()), "").partition(":")[0]
    return {"python": argv[0].decode(errors="replace"), "pythonpath": env.get("PYTHONPATH", ""),
            "graph": graph}  # fmt: skip


def runs_from(pid: int, place: Checkout) -> dict[str, str]:
    """`origin(pid)`, checked to be `place`'s: its interpreter, its import path and its graph
    file (when it names one) all in `place`; RuntimeError saying which is not."""
    found = origin(pid)
    expected = {"python": str(place.python), "pythonpath": str(place.root)}
    wrong = [f"{key} {found[key]!r}, not {value!r}" for key, value in expected.items()
             if found[key] != value]  # fmt: skip
    if found["graph"] and not Path(found["graph"]).is_relative_to(place.root):
        wrong.append(f"graph {found['graph']!r}, not under {str(place.root)!r}")
    if wrong:
        raise RuntimeError(f"process {pid} does not run {place.root}'s code: {'; '.join(wrong)}")
    return found
