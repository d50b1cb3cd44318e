"""Credential places named in arguments and shell commands (tools/places.py owns the list).

The same rule holds whichever tool names the path (read, write, edit, glob, grep, a bash
command, an upload): a credential place needs a human every time, in any mode.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
from pathlib import Path

from tools.places import allow_secret_paths, is_secret, resolve, secret_map

__all__ = ["allow_secret_paths", "command_words", "has_secret_name", "is_secret_path"]

# Broader than places.is_secret_name, for what leaves this machine (an upload): a private
# key or certificate bundle in the workspace is no safer than one at home.
_UPLOAD_SECRET_NAME = re.compile(
    r"^(\.env(rc|\..*)?|\.netrc|\.npmrc|\.pypirc|\.pgpass|\.git-credentials|\.vault-token"
    r"|credentials(\.json|\.toml)?|id_(rsa|dsa|ecdsa|ed25519)|.+\.(pem|key|p12|pfx))$",
    re.IGNORECASE,
)


def is_secret_path(path: str, workspace: Path) -> bool:
    """True for a credential place or a file named like one (tools/places.py)."""
    return is_secret(resolve(path, workspace), workspace)


def has_secret_name(path: str) -> bool:
    """True for a file named like a credential store, wherever it is: `.env*`, `.netrc`,
    `.pypirc`, `credentials.json`, an SSH private key, `*.pem` / `*.key`."""
    return bool(_UPLOAD_SECRET_NAME.match(Path(path).name))


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


def _paths(command: str, workspace: Path) -> list[str]:
    """The command's path-like words, and what the shell would expand its patterns to."""
    words = command_words(command)
    for word in [w for w in words if any(c in w for c in "*?[")]:
        pattern = os.path.expanduser(word)
        found = glob.glob(pattern if os.path.isabs(pattern) else str(workspace / pattern))
        words += found[:1000]
    return words


def mentions_secret_path(command: str, workspace: Path) -> bool:
    """True when a word of `command` (or what its patterns expand to) is a credential place.
    The places are resolved once for the whole command, not once per word."""
    secrets = secret_map(workspace)
    return any(secrets.covers(resolve(word, workspace)) for word in _paths(command, workspace))


def leaves_workspace(command: str, workspace: Path) -> bool:
    """True when a word of `command` names a path outside the workspace: absolute, `~`, `..`,
    or a link in the workspace pointing out of it."""
    root = workspace.resolve()
    words = _paths(command, workspace)
    return any(not resolve(word, workspace).is_relative_to(root) for word in words)
