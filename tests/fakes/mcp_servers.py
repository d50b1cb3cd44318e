"""The real MCP servers the tests use, installed once into their own environment.

mcp-server-git and mcp-server-time need mcp 2.x while the project pins mcp<2, so they live in
a separate venv made with uv under `$ML_INTERN_TEST_CACHE` (default ~/.cache/ml-intern-tests),
keyed by the pinned versions. The first call installs from PyPI (a few seconds); later calls,
also from parallel test workers, reuse it. Prefetch it (e.g. in CI before pytest) with:

    uv run python -m tests.fakes.mcp_servers
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PINS = ("mcp-server-git==2026.10.19", "mcp-server-time==2026.10.19")


def cache_dir() -> Path:
    root = os.environ.get("ML_INTERN_TEST_CACHE") or Path.home() / ".cache" / "ml-intern-tests"
    return Path(root)


def real_servers_bin() -> Path:
    """The `bin/` holding mcp-server-git and mcp-server-time, installing them if needed."""
    key = hashlib.sha1(" ".join(PINS).encode()).hexdigest()[:10]
    venv = cache_dir() / f"mcp-servers-{key}"
    bin_dir, done = venv / "bin", venv / ".installed"
    if done.exists():
        return bin_dir
    cache_dir().mkdir(parents=True, exist_ok=True)
    with open(cache_dir() / ".mcp-servers.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be installing right now
        if not done.exists():
            _install(venv)
            done.touch()
    return bin_dir


def _install(venv: Path) -> None:
    uv = shutil.which("uv") or "uv"
    staging = Path(tempfile.mkdtemp(prefix="mcp-servers-", dir=venv.parent))
    try:
        # A venv cannot move (its scripts hold absolute paths): it is built in place and
        # counts as there once `.installed` exists.
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
        env = {**os.environ, "VIRTUAL_ENV": str(venv)}
        env.pop("UV_PROJECT_ENVIRONMENT", None)
        subprocess.run([uv, "pip", "install", "--quiet", *PINS], check=True, env=env, cwd=staging)
    except (OSError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(venv, ignore_errors=True)
        raise RuntimeError(
            f"Could not install {', '.join(PINS)} for the MCP tests ({exc}). They come from "
            "PyPI: check the network, or run `uv run python -m tests.fakes.mcp_servers`."
        ) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


if __name__ == "__main__":
    print(real_servers_bin())
