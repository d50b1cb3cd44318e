"""The real MCP servers the tests use: `mcp-server-git` and `mcp-server-time` from PyPI.

They are dev dependencies (pyproject.toml), so `uv sync` puts their executables next to the
interpreter; nothing is installed or downloaded while the tests run.
"""

from __future__ import annotations

import sys
from pathlib import Path

SERVERS = ("mcp-server-git", "mcp-server-time")


def real_servers_bin() -> Path:
    """The venv's `bin/`, which holds both servers (a clear failure if `uv sync` was skipped)."""
    bin_dir = Path(sys.executable).parent
    missing = [name for name in SERVERS if not (bin_dir / name).exists()]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} not found in {bin_dir}: they are dev dependencies, "
            "installed by `uv sync` (run the tests with `uv run pytest`)."
        )
    return bin_dir
