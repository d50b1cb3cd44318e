"""Trust in a workspace config file, recorded outside the workspace and bound to its bytes.

A config file the agent could have written (one inside the workspace, or one the workspace's
`.env` names) may only tighten without the user's word: `loosening_keys` lists everything
else it sets (MCP servers, which start programs on the host; yolo, writable paths, network,
secret paths, passed variables, adaptations, the model and its endpoint...). Such a file
takes effect only once its SHA-256 is recorded in ``~/.config/ml-intern/trusted_configs.json``
(`ml-intern config trust PATH`, or yes to the REPL's question); a changed file needs trust
again. The store is the user's: it lives in the user's config folder, never the workspace.

Example::

    loosening_keys({"approval": {"yolo": True}, "max_iterations": 10}, {"max_iterations": 300})
    # ['approval.yolo']: a lower cap tightens, yolo does not
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from configs.environment import user_config_dir

TRUST_FILE = "trusted_configs.json"
TRUST_COMMAND = "ml-intern config trust"
_CAPS = ("max_iterations", "max_cost_usd", "max_job_cost", "tool_timeout_s", "compact_at_tokens")
_GROWING_LISTS = (("sandbox", "hidden"), ("web", "deny_domains"))


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_path(env: Mapping[str, str] | None = None) -> Path:
    return user_config_dir(env) / TRUST_FILE


def is_trusted(path: Path, data: bytes, env: Mapping[str, str] | None = None) -> bool:
    """True when the user trusted `path` with exactly these bytes."""
    return _records(env).get(str(path.resolve())) == content_hash(data)


def record_trust(path: Path, data: bytes, env: Mapping[str, str] | None = None) -> None:
    """Trust `path` with these bytes (replacing an older trust of the same path)."""
    records = _records(env) | {str(path.resolve()): content_hash(data)}
    target = store_path(env)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{TRUST_FILE}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(records, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, target)


def _records(env: Mapping[str, str] | None) -> dict[str, str]:
    try:
        data = json.loads(store_path(env).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def loosening_keys(data: Mapping[str, Any], before: Mapping[str, Any]) -> list[str]:
    """The dotted keys of `data` that do not only tighten `before` (the settings merged from
    the trusted layers). Tightening is an allowlist: yolo off, CPU jobs confirmed, a tool
    denied, a lower cap, the sandbox on, more hidden paths or denied domains."""
    keys = [key for key, value in _leaves(data, ()) if not _tightens(key, value, before)]
    shown = [".".join(key[:2] if key[0] == "mcpServers" else key) for key in keys]
    return list(dict.fromkeys(shown))  # a server is named once, not per field


def _leaves(data: Mapping[str, Any], prefix: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    found: list[tuple[tuple[str, ...], Any]] = []
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping) and value:
            found += _leaves(value, path)
        else:
            found.append((path, value))
    return found


def _tightens(key: tuple[str, ...], value: Any, before: Mapping[str, Any]) -> bool:
    old = _get(before, key)
    if key == ("approval", "yolo"):
        return value is False
    if key == ("approval", "confirm_cpu_jobs"):
        return value is True
    if key[:2] == ("approval", "overrides") and len(key) == 3:
        return value == "deny"
    if len(key) == 1 and key[0] in _CAPS:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and (old is None or value <= old)
    if key == ("sandbox", "mode"):
        return value == "local"
    if key in _GROWING_LISTS:
        return isinstance(value, list) and all(item in value for item in old or [])
    return isinstance(value, Mapping) and not value  # `{}` sets nothing


def _get(data: Mapping[str, Any], key: tuple[str, ...]) -> Any:
    for part in key:
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)  # type: ignore[assignment]
    return data


def untrusted_message(label: str, path: Path, keys: list[str], why: str) -> str:
    """The refusal: which file, what it would loosen, and how to trust it."""
    shown = ", ".join(f"'{key}'" for key in keys[:6]) + (", ..." if len(keys) > 6 else "")
    return (
        f"{label}: this config file {why}, and it sets {shown}, which only a config you "
        f"trust may set (it could start programs on this machine or open the walls). Read "
        f"it, then trust it with: {TRUST_COMMAND} {path} (trust ends when the file changes); "
        "or remove those keys."
    )
