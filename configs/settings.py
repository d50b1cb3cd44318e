"""Layered settings for ml-intern: packaged defaults, user file, explicit file, CLI flags.

Layers are deep-merged in that order (later wins, nested objects merge key by key, lists
are replaced). ``${VAR}`` and ``${VAR:-default}`` are expanded in every string of a loaded
file. Every error is a :class:`ConfigError` naming the file, the key and the fix. Imported by
``ml-intern --help``: keep it free of heavy imports (litellm, langchain, langgraph).

Example::

    settings = load_settings(overrides={"approval.yolo": True, "max_iterations": None})
    settings.approval.yolo  # True; None values are skipped, so max_iterations stays 300
"""

from __future__ import annotations

import copy
import difflib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from configs.config_messages import expected_from as _expected_from
from configs.env_vars import UnsetVariable, expand_vars
from configs.environment import expand_home, home_dir, user_config_dir
from configs.integrations import McpServerSettings, MessagingSettings
from configs.model_prices import ModelPrice
from configs.research_settings import ResearchSettings, WebSettings
from configs.sandbox_settings import SandboxSettings
from configs.team_server import RETIRED_KEYS, SERVER_EXPECTED, TeamServerSettings
from configs.undo_settings import UndoSettings
from configs.workspace_env import DotenvSettings

DEFAULTS_PATH = Path(__file__).parent / "cli_agent_config.json"
CONFIG_FILENAME = "cli_agent_config.json"
OVERRIDES_LABEL = "command-line flags"

# What a person should write for a key, used in validation errors.
_EXPECTED = {
    "model_name": "a non-empty string such as 'anthropic/claude-sonnet-4-5-20250929'",
    "api_base": "a URL string or null",
    "max_iterations": "an integer >= 1",
    "compact_at_tokens": "an integer >= 1000",
    "stream": "true or false",
    "tool_timeout_s": "a number of seconds > 0",
    "tool_output_max_chars": "an integer >= 1000",
    "max_cost_usd": "a number > 0 or null",
    "approval": "an object with 'yolo', 'confirm_cpu_jobs' and 'overrides'",
    "approval.yolo": "true or false",
    "approval.confirm_cpu_jobs": "true or false",
    "approval.overrides": "an object mapping tool names to 'auto', 'ask' or 'deny'",
    "mcpServers": "an object mapping server names to server objects",
    "messaging": "an object",
    "upload": "an object with 'enabled'",
    "upload.enabled": "true or false",
    **SERVER_EXPECTED,
}

Decision = Literal["auto", "ask", "deny"]


class ConfigError(Exception):
    """A configuration problem; the message says which file, which key, and what to do."""

    def __init__(self, message: str, *, path: Path | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.key = key


class ApprovalSettings(BaseModel):
    """When tool calls need a human: ``overrides`` maps tool names to a fixed decision."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    yolo: bool = False
    confirm_cpu_jobs: bool = True
    overrides: dict[str, Decision] = Field(default_factory=dict)
    # Credential locations (e.g. "~/.kube") the user lets tools reach like any other path.
    allow_secret_paths: list[str] = Field(default_factory=list)


class UploadSettings(BaseModel):
    """Whether finished sessions are uploaded (off unless asked for)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    enabled: bool = False


class Settings(BaseModel):
    """The merged, validated configuration. Defaults mirror ``cli_agent_config.json``."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    model_name: str = Field("anthropic/claude-sonnet-4-5-20250929", min_length=1)
    api_base: str | None = None
    max_iterations: int = Field(300, ge=1)
    compact_at_tokens: int = Field(170_000, ge=1000)
    stream: bool = True
    tool_timeout_s: float = Field(600, gt=0)
    tool_output_max_chars: int = Field(20_000, ge=1000)
    approval: ApprovalSettings = Field(default_factory=ApprovalSettings)
    mcpServers: dict[str, McpServerSettings] = Field(default_factory=dict)
    messaging: MessagingSettings = Field(default_factory=MessagingSettings)
    upload: UploadSettings = Field(default_factory=UploadSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    research: ResearchSettings = Field(default_factory=ResearchSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    server: TeamServerSettings = Field(default_factory=TeamServerSettings)
    undo: UndoSettings = Field(default_factory=UndoSettings)
    dotenv: DotenvSettings = Field(default_factory=DotenvSettings)
    # The interpreter the `python` tool's kernel runs in (it needs ipykernel); default: the
    # workspace's .venv/bin/python, then python3 on PATH, else ml-intern's own.
    kernel_python: str | None = None
    # The most address space (MiB) the kernel may take (RLIMIT_AS): an allocation past it
    # raises MemoryError in the cell. Off by default: CUDA reserves far more than it uses.
    kernel_memory_mb: int | None = Field(None, gt=0)
    model_prices: dict[str, ModelPrice] = Field(default_factory=dict)
    # Model id -> read tool calls written as text (default: on for local servers only).
    text_tool_calls: dict[str, bool] = Field(default_factory=dict)
    # Model id -> it takes images (kernel plots, editor images); default: litellm's list says.
    takes_images: dict[str, bool] = Field(default_factory=dict)
    # Model id -> its context window in tokens, for models litellm does not know.
    context_window: dict[str, int] = Field(default_factory=dict)
    # Model id -> the compact prompt and core toolset on or off (default: by its window).
    small_window: dict[str, bool] = Field(default_factory=dict)
    adaptations: dict[str, dict[str, bool]] = Field(default_factory=dict)  # id -> {rule: on}
    # Model id -> sampling temperature (default: 0 for local servers, the provider's else).
    temperature: dict[str, float] = Field(default_factory=dict)
    reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = None
    max_cost_usd: float | None = Field(None, gt=0)
    # USD: the worst case (hourly price x timeout) of all paid Jobs one thread may start.
    max_job_cost: float = Field(10.0, ge=0)
    request_timeout_s: float = Field(600, gt=0)
    model_client: Literal["auto", "litellm"] = "auto"
    # Local servers (llamacpp/...): a CPU may take minutes to a first token; a resend only queues.
    local_request_timeout_s: float = Field(3600, gt=0)
    model_retries: int = Field(4, ge=0)
    retry_base_delay_s: float = Field(1.0, ge=0)
    retry_max_delay_s: float = Field(60.0, ge=0)
    max_compactions_per_turn: int = Field(2, ge=1)
    # Not a config key: problems worth showing the user (unknown keys), filled by load_settings.
    warnings: list[str] = Field(default_factory=list, exclude=True)


@dataclass(frozen=True)
class _Layer:
    """One source of settings: its label for messages, its file (if any) and its data."""

    label: str
    path: Path | None
    data: Mapping[str, Any]
    raw: bytes = b""  # the file's bytes, as parsed

    @property
    def fix(self) -> str:
        if self.path is None:
            return "Pass a valid value on the command line."
        return "Fix the value or remove the key."


_Origins = dict[tuple[str, ...], _Layer]
# Judges a config file before it is merged: (path, bytes, data, settings merged so far, label).
Vet = Callable[[Path, bytes, Mapping[str, Any], Mapping[str, Any], str], None]


def load_settings(
    config_path: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    requested: Path | None = None,
    vet: Vet | None = None,
) -> Settings:
    """Merge defaults, user file, ``requested``, ``config_path`` and ``overrides``; raise
    ConfigError if bad.

    ``overrides`` are CLI flags: None values are skipped and dotted keys such as
    ``"approval.yolo"`` set nested values. ``env`` defaults to ``os.environ``. ``requested``:
    a config a workspace file names (configs/effective.py). ``vet`` sees each file before it
    is merged and may refuse it with a ConfigError.
    """
    env = os.environ if env is None else env
    layers = [_read_layer(DEFAULTS_PATH, env)]
    for path in (_user_config_path(env), requested):
        if path is not None:
            layers.append(_read_layer(path, env))
    if config_path is not None:
        path = expand_home(str(config_path), env)
        if not path.is_file():
            raise ConfigError(
                f"{_display(path, env)}: config file not found. Check the path you passed.",
                path=path,
            )
        layers.append(_read_layer(path, env))
    if overrides:
        layers.append(_Layer(OVERRIDES_LABEL, None, _expand_dotted(overrides)))

    merged: dict[str, Any] = {}
    origins: _Origins = {}
    for layer in layers:
        if vet is not None and layer.path is not None and layer.path != DEFAULTS_PATH:
            vet(layer.path, layer.raw, layer.data, merged, layer.label)
        _merge(merged, layer.data, layer, origins, ())
    warnings = _drop_unknown_keys(merged, Settings, (), origins)
    try:
        return Settings.model_validate({**merged, "warnings": warnings})
    except ValidationError as exc:
        raise _to_config_error(exc, origins, layers[0]) from None


# --- locating and reading files ---------------------------------------------------------


def _display(path: Path, env: Mapping[str, str]) -> str:
    """Show ``path`` as ``~/...`` when it is under the home directory."""
    try:
        return f"~/{path.relative_to(home_dir(env))}"
    except ValueError:
        return str(path)


def _user_config_path(env: Mapping[str, str]) -> Path | None:
    """``$ML_INTERN_CLI_CONFIG`` (must exist) or the XDG user config file, if present."""
    explicit = env.get("ML_INTERN_CLI_CONFIG")
    if explicit:
        path = expand_home(explicit, env)
        if not path.is_file():
            raise ConfigError(
                f"ML_INTERN_CLI_CONFIG points to {path}, which does not exist. "
                "Fix the path or unset the variable.",
                path=path,
            )
        return path
    path = user_config_dir(env) / CONFIG_FILENAME
    return path if path.is_file() else None


def _read_layer(path: Path, env: Mapping[str, str]) -> _Layer:
    label = _display(path, env)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{label}: cannot read config file ({exc}). Check the path and its permissions.",
            path=path,
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{label}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}. "
            "Fix the syntax (JSON allows no comments or trailing commas).",
            path=path,
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{label}: the top level must be a JSON object such as "
            f'{{"model_name": "..."}}, not {type(data).__name__}. Wrap the settings in {{ }}.',
            path=path,
        )
    return _Layer(label, path, _expanded(data, env, label, path), raw)


def _expanded(data: dict[str, Any], env: Mapping[str, str], label: str, path: Path) -> Any:
    try:
        return expand_vars(data, env)
    except UnsetVariable as unset:
        key, name = _dotted(unset.loc), unset.name
        raise ConfigError(
            f"{label}: key '{key}' uses ${{{name}}}, but {name} is not set. "
            f"Set {name} in your shell or a .env file, or give a default: ${{{name}:-value}}.",
            path=path,
            key=key,
        ) from None


# --- merging and validating ---------------------------------------------------------------


def _expand_dotted(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Turn ``{"approval.yolo": True}`` into ``{"approval": {"yolo": True}}``; skip Nones."""
    result: dict[str, Any] = {}
    for dotted_key, value in overrides.items():
        if value is None:
            continue
        *parents, last = dotted_key.split(".")
        target = result
        for part in parents:
            if not isinstance(target.get(part), dict):
                target[part] = {}
            target = target[part]
        target[last] = value
    return result


def _merge(
    base: dict[str, Any],
    data: Mapping[str, Any],
    layer: _Layer,
    origins: _Origins,
    prefix: tuple[str, ...],
) -> None:
    """Deep-merge ``data`` into ``base``, recording ``layer`` as the origin of each key."""
    for key, value in data.items():
        path = (*prefix, key)
        origins[path] = layer
        if isinstance(value, Mapping):
            if not isinstance(base.get(key), dict):
                base[key] = {}
            _merge(base[key], value, layer, origins, path)
        else:
            for stale in [p for p in origins if p[: len(path)] == path and p != path]:
                del origins[stale]
            base[key] = copy.deepcopy(value)


def _origin(origins: _Origins, loc: tuple[Any, ...], fallback: _Layer) -> _Layer:
    """The layer that last set ``loc`` or its nearest parent."""
    for end in range(len(loc), 0, -1):
        layer = origins.get(tuple(loc[:end]))
        if layer is not None:
            return layer
    return fallback


def _drop_unknown_keys(
    data: dict[str, Any], model: type[BaseModel], prefix: tuple[str, ...], origins: _Origins
) -> list[str]:
    """Remove keys ``model`` does not know from ``data``; return one warning per key."""
    known = [name for name in model.model_fields if name != "warnings"]
    warnings: list[str] = []
    for key in list(data):
        path = (*prefix, key)
        if key not in known:
            del data[key]
            warnings.append(_unknown_key_warning(path, known, origins))
            continue
        sub_model = model.model_fields[key].annotation
        if _is_model(sub_model) and isinstance(data[key], dict):
            warnings += _drop_unknown_keys(data[key], sub_model, path, origins)
    return warnings


def _is_model(annotation: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _unknown_key_warning(path: tuple[str, ...], known: list[str], origins: _Origins) -> str:
    layer = origins[path]
    if (instead := RETIRED_KEYS.get(_dotted(path))) is not None:
        return f"key '{_dotted(path)}' in {layer.label} is no longer used (ignored): {instead}"
    message = f"unknown key '{_dotted(path)}' in {layer.label} (ignored)"
    by_lower = {name.lower(): name for name in known}
    if close := difflib.get_close_matches(path[-1].lower(), list(by_lower), n=1, cutoff=0.6):
        message += f"; did you mean '{_dotted((*path[:-1], by_lower[close[0]]))}'?"
    return message


def _to_config_error(exc: ValidationError, origins: _Origins, fallback: _Layer) -> ConfigError:
    """One line per problem, each naming the layer that supplied the bad value."""
    lines: list[str] = []
    first: tuple[_Layer, str] | None = None
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        key = _dotted(loc)
        layer = _origin(origins, loc, fallback)
        expected = _EXPECTED.get(key) or _expected_from(error)
        lines.append(
            f"{layer.label}: key '{key}' must be {expected} "
            f"(got {_show(error.get('input'))}). {layer.fix}"
        )
        first = first or (layer, key)
    layer, key = first if first else (fallback, None)
    return ConfigError("\n".join(lines), path=layer.path, key=key)


def _dotted(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _show(value: Any) -> str:
    shown = repr(value) if isinstance(value, str) else json.dumps(value, default=repr)
    return shown if len(shown) <= 80 else shown[:77] + "..."
