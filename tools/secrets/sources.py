"""Where known secret values come from: `.env*` files at any depth in the workspace, credential
files (the home directory's credential places, and files named like credentials anywhere in
the workspace), the Hugging Face token. `refresh(workspace)` registers them with `KNOWN`
before a tool's output is masked; a file is read again only when its size or mtime changed.

The workspace walk skips `.git`, virtual environments, `node_modules` and caches, and stops
after `MAX_ENTRIES` entries (a workspace holding a data set must not make every tool call slow).
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

from tools.places import credential_places
from tools.secret_paths import has_secret_name
from tools.secrets.context import is_secret_setting, looks_random
from tools.secrets.known import KNOWN
from tools.secrets.names import MIN_SECRET_CHARS, dotenv_secret
from tools.secrets.rules import warm_up

MAX_ENTRIES = 20_000
MAX_FILE_BYTES = 1_000_000
_SKIP_DIRS = frozenset(
    {".git", ".hg", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache", ".ruff_cache"}
    | {".pytest_cache", "site-packages", ".tox", ".cache", "wandb", "mlruns"}
)
_seen: dict[str, tuple[int, int]] = {}
_LINE = re.compile(
    r"""^\s*(?:export\s+)?["']?(?P<name>[A-Za-z_][\w.\-]*)["']?\s*(?:[:=]|\s)\s*(?P<value>.*?)\s*$"""
)
_URL_PASSWORD = re.compile(r"://[^\s:/@]*:([^\s@/]+)@")
_PEM_LINE = re.compile(r"^[A-Za-z0-9+/]{16,}={0,2}$")


def refresh(workspace: Path | str | None) -> None:
    """Register the secrets of the workspace's and the home directory's credential files.
    Called in a worker thread, it also loads the rule set there: the LangGraph server refuses
    the blocking file reads of a first load on its event loop."""
    warm_up()
    for path in _credential_files(Path(workspace) if workspace else None):
        try:
            stat = path.stat()
        except OSError:
            continue
        key, mark = str(path), (stat.st_size, stat.st_mtime_ns)
        if _seen.get(key) == mark or stat.st_size > MAX_FILE_BYTES or not path.is_file():
            continue
        _seen[key] = mark
        try:
            if path.suffix.lower() == ".csv":
                KNOWN.add_all(csv_values(path))
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        KNOWN.add_all(credential_values(text, path.name))
    _register_hf_token()


def masked_in(workspace: Path | str | None, text: str) -> str:
    """`text` masked with the workspace's secrets known (off the event loop: it reads files)."""
    from tools.secrets import mask_secrets

    refresh(workspace)
    return mask_secrets(text)


def _credential_files(workspace: Path | None) -> Iterator[Path]:
    from configs.environment import ml_intern_home, user_config_dir

    own = {ml_intern_home(), user_config_dir()}  # ml-intern's threads and config: not credentials
    for target in credential_places():
        if target in own:
            continue
        if target.is_file():
            yield target
        elif target.is_dir():
            yield from _walk(target, lambda name: not name.endswith((".pub", "known_hosts")))
    if workspace is not None and workspace.is_dir():
        yield from _walk(workspace, _may_hold_secrets)


def _may_hold_secrets(name: str) -> bool:
    """`.env*`, credential-named files, and CSVs (a console's credentials download)."""
    return name.startswith(".env") or has_secret_name(name) or name.lower().endswith(".csv")


def csv_values(path: Path) -> list[tuple[str, str]]:
    """The random-looking cells of a CSV's secret columns (`Password`, `Secret access key`);
    only the first line is read unless the header names one."""
    with path.open(encoding="utf-8", errors="replace") as file:
        header = file.readline(4096).rstrip("\r\n")
        columns = [c.strip() for c in header.split(",")]
        secret = [j for j, c in enumerate(columns) if is_secret_setting(c.replace(" ", "_"))]
        if len(columns) < 2 or not secret:
            return []
        found = []
        for line in file:
            cells = line.rstrip("\r\n").split(",")
            if len(cells) == len(columns):
                found += [(columns[j], cells[j]) for j in secret if looks_random(cells[j])]
        return found


def _walk(root: Path, wanted) -> Iterator[Path]:
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        seen += len(dirs) + len(files)
        if seen > MAX_ENTRIES:
            return
        for name in files:
            if wanted(name):
                yield Path(folder) / name


def credential_values(text: str, file_name: str = "") -> list[tuple[str, str]]:
    """(name, value) pairs worth masking in a credential or `.env` file: values of secret-named
    settings, random-looking values, URL passwords, JSON secrets, private key lines."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return list(_json_values(json.loads(text), file_name))
        except ValueError:
            pass
    found: list[tuple[str, str]] = []
    label = file_name or "credential-file"
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        found += [(label, pw) for pw in _URL_PASSWORD.findall(line)]
        if _PEM_LINE.match(line):
            found.append(("private-key", line))
            continue
        match = _LINE.match(line)
        words = line.split()
        if len(words) >= 2 and words[0] in ("machine", "default"):  # netrc on one line
            found += [(label, w) for prev, w in itertools.pairwise(words) if prev == "password"]
        if match is None:
            found += [(label, w) for w in words if dotenv_secret("", w)]
            continue
        name, value = match.group("name"), match.group("value").strip("\"'")
        secret = is_secret_setting(name) or dotenv_secret(name, value)
        if secret and len(value) >= MIN_SECRET_CHARS and not value.startswith("${"):
            found.append((name, value))
    return found


def _json_values(data: object, label: str, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _json_values(v, label, str(k))
    elif isinstance(data, list):
        for item in data:
            yield from _json_values(item, label, key)
    elif (
        isinstance(data, str)
        and len(data) >= MIN_SECRET_CHARS
        and (is_secret_setting(key) or dotenv_secret(key, data))
    ):
        yield (key or label, data)


def _register_hf_token() -> None:
    """The Hugging Face token the Hub tools use (env or the saved login)."""
    try:
        from huggingface_hub import get_token
    except ImportError:  # pragma: no cover - a dependency
        return
    token = get_token()
    if token:
        KNOWN.add("HF_TOKEN", token)
