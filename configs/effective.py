"""The one configuration a front end runs with in a workspace, and `models show` shows.

`effective_settings` reads the user's `.env` files and the workspace's (configs/environment.py,
configs/workspace_env.py), merges the layers (configs/settings.py), and judges every config
file the agent could have written: one lying in the workspace, or the one the workspace's
`.env` names in `ML_INTERN_CLI_CONFIG`. Such a file may tighten; anything else it sets needs
the user's trust in its exact bytes (configs/trust.py): `ask` (the REPL) puts the question
once, and without it (headless, ACP, `models show`) the file is refused with a ConfigError
saying how to trust it. Then the `.env` keys in `dotenv.allow` are passed to the agent's
programs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from configs.environment import load_dotenv_files, user_config_dir
from configs.settings import CONFIG_FILENAME, ConfigError, Settings, load_settings
from configs.trust import is_trusted, loosening_keys, record_trust, untrusted_message
from configs.workspace_env import pass_dotenv, workspace_config_request

Ask = Callable[[str], bool]
NAMED_BY_DOTENV = "is named by the workspace's .env (ML_INTERN_CLI_CONFIG)"
IN_WORKSPACE = "lies in the workspace, where the agent can write"


def effective_settings(
    config_path: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    workspace: Path | None = None,
    project_dir: Path | None = None,
    ask: Ask | None = None,
) -> Settings:
    """The settings for a session in `workspace` (default: the cwd), or a ConfigError.

    `project_dir`: the install, whose `.env` is the user's unless it lies in the workspace.
    `ask(question)`: True when the user trusts the file the question names (REPL only).
    """
    workspace = (workspace or Path.cwd()).resolve()
    load_dotenv_files(project_dir, workspace)
    requested = workspace_config_request(workspace)
    if requested is not None and not requested.is_file():
        raise ConfigError(
            f"{workspace / '.env'} names ML_INTERN_CLI_CONFIG={requested}, which does not "
            "exist. Remove the line (a workspace .env cannot choose ml-intern's config; pass "
            "--config PATH instead).",
            path=requested,
        )
    vet = _Vet(workspace, requested, ask)
    settings = load_settings(config_path, overrides, requested=requested, vet=vet)
    if refused := pass_dotenv(settings.dotenv.allow):
        settings.warnings.append(
            f"dotenv.allow lists {', '.join(refused)}: ml-intern's own, a loader's or a "
            "search path's names; a workspace .env never sets them (not passed)."
        )
    return settings


class _Vet:
    """Refuses (or asks about) a config file the agent could have written, unless it only
    tightens or the user trusted its bytes."""

    def __init__(self, workspace: Path, requested: Path | None, ask: Ask | None) -> None:
        self.workspace, self.requested, self.ask = workspace, requested, ask

    def __call__(
        self, path: Path, raw: bytes, data: Mapping[str, Any], before: Mapping[str, Any], label: str
    ) -> None:
        why = self._why(path)
        if why is None:
            return
        known = Settings.model_fields  # an unknown key is ignored: it loosens nothing
        keys = [key for key in loosening_keys(data, before) if key.split(".")[0] in known]
        if not keys or is_trusted(path, raw):
            return
        message = untrusted_message(label, path.resolve(), keys, why)
        if self.ask is not None and self.ask(message):
            record_trust(path, raw)
            return
        raise ConfigError(message, path=path)

    def _why(self, path: Path) -> str | None:
        if path == self.requested:
            return NAMED_BY_DOTENV
        if path == user_config_dir() / CONFIG_FILENAME:
            return None  # the user's own file
        absolute = Path(os.path.abspath(path))
        if any(_within(p, self.workspace) for p in (absolute, path.resolve())):
            return IN_WORKSPACE
        return None


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
