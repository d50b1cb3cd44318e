"""Where ml-intern keeps its files, which variables are secrets, and `.env` loading.

No pydantic here: start-up paths (`threads list`, redaction) need these without the
settings machinery.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

# Names the loaded `.env` files define: people keep secrets there, so tools/secrets.py masks
# their token-like values whatever the names are.
DOTENV_NAMES: set[str] = set()
DOTENV_MAX_BYTES = 1 << 20


def load_dotenv_files(project_dir: Path | None = None, workspace: Path | None = None) -> None:
    """Load the user's own `.env` files into `os.environ` (a variable already set is kept):
    ``~/.config/ml-intern/.env``, then ``project_dir/.env`` (the install's) unless it lies in
    the workspace. The workspace's `.env` (`workspace`, default: the cwd) is only read, for
    the agent's programs (configs/workspace_env.py): it sets nothing of ml-intern."""
    from dotenv import dotenv_values, load_dotenv

    from configs.regular_file import read_regular
    from configs.workspace_env import read_workspace_dotenv

    workspace = (workspace or Path.cwd()).resolve()
    candidates = [user_config_dir() / ".env"]
    if project_dir is not None:
        candidates.append(Path(project_dir) / ".env")
    for path in candidates:
        where = path.parent.resolve() / path.name  # the folder is the user's; the file may not be
        if where.parent == workspace or workspace in where.parents:
            continue  # the agent can write there: a workspace file
        try:
            data = read_regular(where, DOTENV_MAX_BYTES)  # a planted FIFO or link: skipped
        except OSError:
            data = None
        if data is None:
            continue
        text = data.decode("utf-8", errors="replace")
        DOTENV_NAMES.update(name for name in dotenv_values(stream=io.StringIO(text)) if name)
        load_dotenv(stream=io.StringIO(text), override=False)
    DOTENV_NAMES.update(read_workspace_dotenv(workspace))


def ml_intern_home(env: Mapping[str, str] | None = None) -> Path:
    """Where sessions and logs live: ``$ML_INTERN_HOME`` or ``~/.local/share/ml-intern``.

    ``$XDG_DATA_HOME`` replaces ``~/.local/share`` when set. The directory is not created.
    """
    env = os.environ if env is None else env
    if env.get("ML_INTERN_HOME"):
        return expand_home(env["ML_INTERN_HOME"], env)
    data_home = env.get("XDG_DATA_HOME", "")
    base = Path(data_home) if os.path.isabs(data_home) else home_dir(env) / ".local" / "share"
    return base / "ml-intern"


def home_dir(env: Mapping[str, str]) -> Path:
    """``$HOME`` from `env` (tests pass their own), else the user's home."""
    return Path(env["HOME"]) if env.get("HOME") else Path.home()


def expand_home(raw: str, env: Mapping[str, str]) -> Path:
    """A leading ``~`` expanded against `env`'s home."""
    if raw == "~" or raw.startswith("~/"):
        return home_dir(env) / raw[2:]
    return Path(raw)


def user_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/ml-intern`` or ``~/.config/ml-intern`` (config file, user skills)."""
    env = os.environ if env is None else env
    config_home = env.get("XDG_CONFIG_HOME", "")
    base = Path(config_home) if os.path.isabs(config_home) else home_dir(env) / ".config"
    return base / "ml-intern"
