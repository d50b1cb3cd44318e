"""Tests for configs.settings: layering, substitution, errors, warnings, .env and secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from configs import workspace_env
from configs.environment import load_dotenv_files, ml_intern_home
from configs.settings import DEFAULTS_PATH, ConfigError, Settings, load_settings
from tools.secrets import secret_env_names

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake home directory; no variable that could point at the real one is left set."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "ML_INTERN_CLI_CONFIG", "ML_INTERN_HOME"):
        monkeypatch.delenv(name, raising=False)
    return home


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def user_config(home: Path) -> Path:
    return home / ".config" / "ml-intern" / "cli_agent_config.json"


def pick(settings: Settings, dotted: str) -> Any:
    value: Any = settings
    for part in dotted.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def unset(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Unset ``name`` so that monkeypatch also removes it again if the test sets it."""
    monkeypatch.setenv(name, "placeholder")
    monkeypatch.delenv(name)


# --- defaults and layering ------------------------------------------------------------------


def test_defaults_load_and_match_the_model(home: Path) -> None:
    settings = load_settings()
    packaged = json.loads(DEFAULTS_PATH.read_text(encoding="utf-8"))
    assert settings == Settings()
    # Every key is in the packaged file with the model's default (messaging: all defaults).
    dumped = settings.model_dump(exclude={"max_cost_usd", "messaging"})
    assert dumped == {k: v for k, v in packaged.items() if k != "messaging"}
    assert Settings.model_validate(packaged).messaging == settings.messaging
    assert settings.model_name == "anthropic/claude-sonnet-4-5-20250929"
    assert settings.warnings == []


LAYER_CASES = [
    pytest.param(
        {"approval": {"yolo": True}},
        None,
        None,
        {"approval.yolo": True, "approval.confirm_cpu_jobs": True, "max_iterations": 300},
        id="user-file-nested-keys-merge",
    ),
    pytest.param(
        {"approval": {"overrides": {"bash": "ask"}}},
        {"approval": {"overrides": {"hf_jobs": "deny"}}},
        None,
        {"approval.overrides": {"bash": "ask", "hf_jobs": "deny"}},
        id="explicit-file-merges-into-user-file",
    ),
    pytest.param(
        {"max_iterations": 10, "stream": False},
        {"max_iterations": 20},
        None,
        {"max_iterations": 20, "stream": False},
        id="explicit-file-beats-user-file",
    ),
    pytest.param(
        {"max_iterations": 10},
        {"max_iterations": 20},
        {"max_iterations": 30},
        {"max_iterations": 30},
        id="overrides-beat-files",
    ),
    pytest.param(
        {"approval": {"yolo": False, "confirm_cpu_jobs": False}},
        None,
        {"approval.yolo": True, "model_name": None},
        {
            "approval.yolo": True,
            "approval.confirm_cpu_jobs": False,
            "model_name": "anthropic/claude-sonnet-4-5-20250929",
        },
        id="dotted-override-and-none-skipped",
    ),
    pytest.param(
        {"mcpServers": {"hf": {"command": "hf-mcp", "args": ["a", "b"]}}},
        {"mcpServers": {"hf": {"args": ["c"]}, "gh": {"transport": "http", "url": "u"}}},
        None,
        {
            "mcpServers.hf.command": "hf-mcp",
            "mcpServers.hf.args": ["c"],
            "mcpServers.gh.url": "u",
        },
        id="servers-merge-by-name-lists-replace",
    ),
]


@pytest.mark.parametrize(("user", "explicit", "overrides", "expected"), LAYER_CASES)
@pytest.mark.parametrize("user_location", ["home", "xdg", "env"])
def test_layers_merge_in_order(
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    user: dict[str, Any],
    explicit: dict[str, Any] | None,
    overrides: dict[str, Any] | None,
    expected: dict[str, Any],
    user_location: str,
) -> None:
    if user_location == "home":
        write_json(user_config(home), user)
    elif user_location == "xdg":
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
        write_json(tmp_path / "xdg" / "ml-intern" / "cli_agent_config.json", user)
    else:
        monkeypatch.setenv("ML_INTERN_CLI_CONFIG", str(write_json(tmp_path / "mine.json", user)))
    explicit_path = write_json(tmp_path / "explicit.json", explicit) if explicit else None

    settings = load_settings(explicit_path, overrides)

    for dotted, value in expected.items():
        assert pick(settings, dotted) == value, dotted


def test_missing_files_are_errors(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match="config file not found") as info:
        load_settings(tmp_path / "absent.json")
    assert info.value.path == tmp_path / "absent.json"

    monkeypatch.setenv("ML_INTERN_CLI_CONFIG", str(tmp_path / "gone.json"))
    with pytest.raises(ConfigError, match=r"ML_INTERN_CLI_CONFIG points to .*gone\.json"):
        load_settings()


# --- ${VAR} substitution -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "env", "expected"),
    [
        ({"model_name": "${MODEL}"}, {"MODEL": "openai/gpt-4o"}, {"model_name": "openai/gpt-4o"}),
        ({"model_name": "${MODEL:-openai/o3}"}, {}, {"model_name": "openai/o3"}),
        ({"model_name": "${MODEL:-openai/o3}"}, {"MODEL": ""}, {"model_name": "openai/o3"}),
        ({"api_base": "http://${HOST:-localhost}:${PORT}/v1"}, {"PORT": "8000"},
         {"api_base": "http://localhost:8000/v1"}),
        ({"max_iterations": "${ITERS:-42}"}, {}, {"max_iterations": 42}),
        (
            {
                "mcpServers": {
                    "hf": {"command": "x", "args": ["--token", "${HF_TOKEN}"],
                           "env": {"HF_TOKEN": "${HF_TOKEN}"}},
                    "gh": {"transport": "http", "url": "https://api",
                           "headers": {"Authorization": "Bearer ${GH:-none}"}},
                }
            },
            {"HF_TOKEN": "hf_abc"},
            {
                "mcpServers.hf.args": ["--token", "hf_abc"],
                "mcpServers.hf.env.HF_TOKEN": "hf_abc",
                "mcpServers.gh.headers.Authorization": "Bearer none",
            },
        ),
    ],
)  # fmt: skip
def test_variables_are_substituted(
    home: Path, tmp_path: Path, data: dict[str, Any], env: dict[str, str], expected: dict[str, Any]
) -> None:
    settings = load_settings(write_json(tmp_path / "c.json", data), env={"HOME": str(home), **env})

    for dotted, value in expected.items():
        assert pick(settings, dotted) == value, dotted


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"model_name": "${NOPE}"}, "model_name"),
        ({"mcpServers": {"hf": {"env": {"HF_TOKEN": "${NOPE}"}}}}, "mcpServers.hf.env.HF_TOKEN"),
        ({"mcpServers": {"gh": {"headers": {"X": "Bearer ${NOPE}"}}}}, "mcpServers.gh.headers.X"),
        ({"mcpServers": {"hf": {"args": ["-v", "${NOPE}"]}}}, "mcpServers.hf.args[1]"),
    ],
)
def test_missing_variable_names_variable_and_key(
    home: Path, tmp_path: Path, data: dict[str, Any], key: str
) -> None:
    path = write_json(tmp_path / "c.json", data)

    with pytest.raises(ConfigError) as info:
        load_settings(path, env={"HOME": str(home)})

    message = str(info.value)
    assert "NOPE is not set" in message
    assert f"'{key}'" in message
    assert "c.json" in message
    assert (info.value.path, info.value.key) == (path, key)


# --- errors and warnings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{\n  "model_name": "x",\n}\n', 3),
        ('{\n  // a comment\n  "stream": true\n}\n', 2),
        ('{"stream": tru}', 1),
        ("", 1),
    ],
)
def test_invalid_json_names_file_and_line(home: Path, text: str, line: int) -> None:
    path = user_config(home)
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError) as info:
        load_settings()

    assert str(info.value).startswith("~/.config/ml-intern/cli_agent_config.json: invalid JSON")
    assert f"line {line}, column" in str(info.value)
    assert info.value.path == path


def test_top_level_must_be_an_object(home: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="top level must be a JSON object"):
        load_settings(write_json(tmp_path / "list.json", [1, 2]))


@pytest.mark.parametrize(
    ("source", "data", "key", "expected"),
    [
        ("user", {"max_iterations": "abc"}, "max_iterations",
         "must be an integer >= 1 (got 'abc')"),
        ("user", {"max_iterations": 0}, "max_iterations", "must be an integer >= 1 (got 0)"),
        ("explicit", {"stream": "perhaps"}, "stream", "must be true or false"),
        ("explicit", {"tool_timeout_s": -5}, "tool_timeout_s", "> 0 (got -5)"),
        ("explicit", {"approval": {"yolo": []}}, "approval.yolo", "true or false (got [])"),
        ("explicit", {"approval": True}, "approval", "must be an object"),
        ("user", {"approval": {"overrides": {"bash": "maybe"}}}, "approval.overrides.bash",
         "one of 'auto', 'ask' or 'deny' (got 'maybe')"),
        ("explicit", {"mcpServers": {"hf": "hf-mcp"}}, "mcpServers.hf", "a JSON object"),
        ("user", {"mcpServers": {"hf": {"args": ["x"]}}}, "mcpServers.hf",
         'must be a "command" (stdio) or a "url" (http or sse)'),
        ("explicit", {"mcpServers": {"d": {"type": "ws", "url": "u"}}}, "mcpServers.d",
         "a known transport"),
        ("explicit", {"mcpServers": {"hf": {"command": "x", "env": {"K": 1}}}},
         "mcpServers.hf.env.K", "a string (got 1)"),
        ("explicit", {"mcpServers": {"hf": {"command": "x", "timeout": 0}}},
         "mcpServers.hf.timeout", "(got 0)"),
        ("user", {"messaging": {"destinations": {"s": {"allow_agent_tool": "no?"}}}},
         "messaging.destinations.s.allow_agent_tool", "true or false"),
        ("explicit", {"messaging": {"auto_event_types": "error"}}, "messaging.auto_event_types",
         "(got 'error')"),
        ("flags", {"compact_at_tokens": 10}, "compact_at_tokens", "an integer >= 1000"),
        ("flags", {"approval.confirm_cpu_jobs": "x"}, "approval.confirm_cpu_jobs", "true or false"),
    ],
)  # fmt: skip
def test_wrong_type_names_source_and_key(
    home: Path, tmp_path: Path, source: str, data: dict[str, Any], key: str, expected: str
) -> None:
    # The explicit file always sets an unrelated valid key, so blame must follow the bad key.
    explicit = {"model_name": "openai/gpt-4o"}
    user: dict[str, Any] = {"max_iterations": 5}
    overrides: dict[str, Any] = {}
    {"user": user, "explicit": explicit, "flags": overrides}[source].update(data)
    write_json(user_config(home), user)
    explicit_path = write_json(tmp_path / "explicit.json", explicit)

    with pytest.raises(ConfigError) as info:
        load_settings(explicit_path, overrides)

    message = str(info.value)
    label, path = {
        "user": ("~/.config/ml-intern/cli_agent_config.json", user_config(home)),
        "explicit": (str(explicit_path), explicit_path),
        "flags": ("command-line flags", None),
    }[source]
    assert message.startswith(f"{label}: key '{key}' ")
    assert expected in message
    assert (info.value.path, info.value.key) == (path, key)


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        ({"modle_name": "x"}, "unknown key 'modle_name' in {label} (ignored); "
                              "did you mean 'model_name'?"),
        ({"mcpservers": {}}, "unknown key 'mcpservers' in {label} (ignored); "
                             "did you mean 'mcpServers'?"),
        ({"approval": {"yoloo": True}}, "unknown key 'approval.yoloo' in {label} (ignored); "
                                        "did you mean 'approval.yolo'?"),
        ({"warnings": ["x"]}, "unknown key 'warnings' in {label} (ignored)"),
        ({"zzz": 1}, "unknown key 'zzz' in {label} (ignored)"),
        ({"server": {"workers": 2}}, "key 'server.workers' in {label} is no longer used "
                                     "(ignored): several servers sharing runs are the team "
                                     "server now: `ml-intern web --db URL --redis URL` on each "
                                     "replica, `ml-intern worker --db URL --redis URL` for more "
                                     "workers"),
    ],
)  # fmt: skip
def test_unknown_keys_are_warnings(
    home: Path, tmp_path: Path, data: dict[str, Any], warning: str
) -> None:
    path = write_json(tmp_path / "c.json", data)

    settings = load_settings(path)

    assert settings.warnings == [warning.format(label=path)]
    assert settings.model_name == "anthropic/claude-sonnet-4-5-20250929"
    assert settings.approval.yolo is False


# --- .env, home and secrets ----------------------------------------------------------------


def test_dotenv_loads_the_users_files_and_only_reads_the_workspaces(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user's `.env` files set variables (the shell's win); the workspace's sets none."""
    project, cwd = tmp_path / "project", tmp_path / "cwd"
    project.mkdir()
    cwd.mkdir()
    own = home / ".config" / "ml-intern" / ".env"
    own.parent.mkdir(parents=True)
    own.write_text("ML_T_OWN=mine\nML_T_SHARED=own\n")
    (project / ".env").write_text("ML_T_SHARED=project\nML_T_PROJECT=p\nML_T_SET=file\n")
    (cwd / ".env").write_text("ML_T_SHARED=cwd\nML_T_CWD=c\nML_INTERN_CLI_CONFIG=./x.json\n")
    for name in ("ML_T_SHARED", "ML_T_PROJECT", "ML_T_CWD", "ML_T_OWN"):
        unset(monkeypatch, name)
    monkeypatch.setenv("ML_T_SET", "shell")
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(workspace_env, "WORKSPACE_DOTENV", {})

    load_dotenv_files(project)

    assert os.environ["ML_T_SET"] == "shell"
    assert os.environ["ML_T_SHARED"] == "own"
    assert (os.environ["ML_T_PROJECT"], os.environ["ML_T_OWN"]) == ("p", "mine")
    assert "ML_T_CWD" not in os.environ and "ML_INTERN_CLI_CONFIG" not in os.environ
    assert workspace_env.WORKSPACE_DOTENV["ML_T_CWD"] == "c"


def test_an_install_env_inside_the_workspace_is_a_workspace_file(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "checkout"
    project.mkdir()
    (project / ".env").write_text("ML_T_PLANTED=1\n")
    unset(monkeypatch, "ML_T_PLANTED")
    monkeypatch.chdir(tmp_path)  # the workspace holds the install
    monkeypatch.setattr(workspace_env, "WORKSPACE_DOTENV", {})

    load_dotenv_files(project)

    assert "ML_T_PLANTED" not in os.environ


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HOME": "/h"}, "/h/.local/share/ml-intern"),
        ({"HOME": "/h", "XDG_DATA_HOME": "/data"}, "/data/ml-intern"),
        ({"HOME": "/h", "ML_INTERN_HOME": "/srv/mli"}, "/srv/mli"),
        ({"HOME": "/h", "ML_INTERN_HOME": "~/mli"}, "/h/mli"),
    ],
)
def test_ml_intern_home(env: dict[str, str], expected: str) -> None:
    assert ml_intern_home(env) == Path(expected)


@pytest.mark.parametrize(
    ("env", "extra"),
    [
        ({}, ()),
        ({"PATH": "/bin", "WANDB_API_KEY": "k", "HF_TOKEN": "t"}, ("WANDB_API_KEY",)),
        ({"MY_TOKEN": "1", "AWS_SECRET": "2", "TOKENIZERS": "3"}, ("AWS_SECRET", "MY_TOKEN")),
    ],
)
def test_secret_env_names(env: dict[str, str], extra: tuple[str, ...]) -> None:
    names = secret_env_names(env)

    assert names[:8] == (
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GITHUB_TOKEN",
        "SLACK_BOT_TOKEN",
        "ML_INTERN_DATABASE_URL",  # a PostgreSQL URL may carry its password
        "DATABASE_URL",
    )
    assert names[8:] == extra


def test_import_is_light() -> None:
    code = (
        "import sys, configs.settings\n"
        "heavy = [m for m in ('litellm', 'langchain_core', 'langgraph') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
