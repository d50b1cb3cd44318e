"""Where credentials live on a machine: paths no tool touches without a human, in any mode.

`~/.ssh`, `~/.aws`, `~/.config/gh`, `~/.netrc`, `~/.git-credentials`, `~/.docker/config.json`,
`~/.kube`, the Hugging Face token cache, and `.env*` files outside the workspace. The same
rule holds whichever tool names the path (read, write, edit, glob, grep, or a bash command).

The config's `approval.allow_secret_paths` lifts the rule for the paths it lists (and what is
under them); they are then treated like any other path outside the workspace. It is set for
the process by `allow_secret_paths` when the catalog is built from the settings.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

# Relative to the home directory.
SECRET_HOME_PATHS = (
    ".ssh",
    ".aws",
    ".config/gh",
    ".netrc",
    ".git-credentials",
    ".docker/config.json",
    ".kube",
    ".cache/huggingface/token",
    ".cache/huggingface/stored_tokens",
    ".config/gcloud",
    ".azure",
)
_ENV_FILE = re.compile(r"^\.env(\..*)?$")
# Names that say a file holds credentials wherever it lies (a workspace's own `.env` too).
_SECRET_NAME = re.compile(
    r"^(\.env(rc|\..*)?|\.netrc|\.npmrc|\.pypirc|\.git-credentials|credentials(\.json)?"
    r"|id_(rsa|dsa|ecdsa|ed25519)|.+\.(pem|key|p12|pfx))$",
    re.IGNORECASE,
)
_allowed: tuple[str, ...] = ()


def allow_secret_paths(paths: tuple[str, ...] | list[str]) -> None:
    """The user's explicit exceptions (`approval.allow_secret_paths`), for this process."""
    global _allowed
    _allowed = tuple(paths)


def _home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def _resolved(path: str, workspace: Path) -> Path | None:
    target = Path(os.path.expanduser(os.path.expandvars(path)))
    if not target.is_absolute():
        target = workspace / target
    try:
        return target.resolve()
    except (OSError, RuntimeError):
        return None


def is_secret_path(path: str, workspace: Path) -> bool:
    """True for a credential location, or a `.env*` file outside the workspace."""
    target = _resolved(path, workspace)
    if target is None:
        return False
    home = _home().resolve()
    for allowed in _allowed:
        place = _resolved(allowed, workspace)
        if place is not None and (target == place or target.is_relative_to(place)):
            return False
    for place in SECRET_HOME_PATHS:
        if target == home / place or target.is_relative_to(home / place):
            return True
    outside = not target.is_relative_to(workspace.resolve())
    return outside and bool(_ENV_FILE.match(target.name))


def has_secret_name(path: str) -> bool:
    """True for a file named like a credential store, wherever it is: `.env*`, `.envrc`, `.netrc`,
    `.pypirc`, `credentials.json`, an SSH private key, `*.pem` / `*.key`. For what leaves this
    machine (an upload), where a `.env` inside the workspace is no safer than one outside."""
    return bool(_SECRET_NAME.match(Path(path).name))


def command_words(command: str) -> list[str]:
    """The words of a shell command that could be paths (flags' `=value` parts included)."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    found = []
    for word in words:
        found.extend(part for part in re.split(r"[=:,]", word) if part and part != "-")
    return [w for w in found if not w.startswith("-") or "/" in w]


def mentions_secret_path(command: str, workspace: Path) -> bool:
    return any(is_secret_path(word, workspace) for word in command_words(command))


def leaves_workspace(command: str, workspace: Path) -> bool:
    """True when a word of `command` names a path outside the workspace (absolute, `~`, `..`)."""
    root = workspace.resolve()
    for word in command_words(command):
        if not (word.startswith(("/", "~", "$")) or ".." in Path(word).parts):
            continue
        target = _resolved(word, workspace)
        if target is None or not target.is_relative_to(root):
            return True
    return False
