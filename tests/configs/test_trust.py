"""Workspace config files: what tightens without trust, and trust bound to the file's bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from configs import workspace_env
from configs.effective import effective_settings
from configs.settings import ConfigError
from configs.trust import loosening_keys, store_path
from configs.workspace_env import pass_dotenv, program_environ, reserved


@pytest.fixture(autouse=True)
def fresh_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace_env, "WORKSPACE_DOTENV", {})
    monkeypatch.setattr(workspace_env, "PASSED_DOTENV", {})


@pytest.mark.parametrize(
    ("data", "before", "loosened"),
    [
        ({"approval": {"yolo": False, "overrides": {"bash": "deny"}}}, {}, []),
        ({"approval": {"yolo": True}}, {}, ["approval.yolo"]),
        ({"approval": {"overrides": {"bash": "auto"}}}, {}, ["approval.overrides.bash"]),
        ({"max_iterations": 5, "max_cost_usd": 1.0}, {"max_iterations": 300}, []),
        ({"max_iterations": 500}, {"max_iterations": 300}, ["max_iterations"]),
        ({"max_iterations": True}, {"max_iterations": 300}, ["max_iterations"]),
        (
            {"sandbox": {"mode": "local", "hidden": ["~/a", "~/b"]}},
            {"sandbox": {"hidden": ["~/a"]}},
            [],
        ),
        ({"sandbox": {"hidden": []}}, {"sandbox": {"hidden": ["~/a"]}}, ["sandbox.hidden"]),
        (
            {"sandbox": {"writable": ["/"], "network": True}},
            {},
            ["sandbox.writable", "sandbox.network"],
        ),
        ({"mcpServers": {"x": {"command": "sh", "args": ["-c", "id"]}}}, {}, ["mcpServers.x"]),
        ({"adaptations": {"m": {"blind-edit": False}}}, {}, ["adaptations.m.blind-edit"]),
        ({"model_name": "openai/x", "api_base": "http://evil"}, {}, ["model_name", "api_base"]),
        ({"dotenv": {"allow": ["X"]}, "mcpServers": {}}, {}, ["dotenv.allow"]),
    ],
)
def test_only_the_allowlist_tightens(
    data: dict[str, Any], before: dict[str, Any], loosened: list[str]
) -> None:
    assert loosening_keys(data, before) == loosened


@pytest.mark.parametrize(
    "name",
    [
        *("ML_INTERN_HOME", "ML_INTERN_CLI_CONFIG", "XDG_CONFIG_HOME", "HF_ENDPOINT"),
        *("HF_HUB_CACHE", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "LD_PRELOAD", "PYTHONPATH"),
        *("PYTHONSTARTUP", "PATH", "MANPATH", "BASH_ENV", "GIT_SSH_COMMAND", "NODE_OPTIONS"),
        *("bad-name", ""),
    ],
)
def test_reserved_names_never_pass(name: str) -> None:
    assert reserved(name)


def test_allowed_keys_pass_and_the_users_environment_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workspace_env.WORKSPACE_DOTENV.update(
        {"WANDB_PROJECT": "lab", "LD_PRELOAD": "/x.so", "OTHER": "o", "SHARED": "planted"}
    )
    monkeypatch.setenv("SHARED", "mine")
    assert pass_dotenv(["WANDB_PROJECT", "LD_PRELOAD", "SHARED"]) == ["LD_PRELOAD"]
    env = program_environ()
    assert env["WANDB_PROJECT"] == "lab" and env["SHARED"] == "mine"
    assert "LD_PRELOAD" not in env or env["LD_PRELOAD"] != "/x.so"
    assert "OTHER" not in env


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_a_workspace_config_needs_trust_bound_to_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    monkeypatch.chdir(workspace)
    config = write(workspace / "c.json", {"approval": {"yolo": True}})
    with pytest.raises(ConfigError, match=r"ml-intern config trust .*c\.json") as refused:
        effective_settings("c.json")
    assert "'approval.yolo'" in str(refused.value)

    asked: list[str] = []
    settings = effective_settings("c.json", ask=lambda q: asked.append(q) or True)
    assert settings.approval.yolo is True and len(asked) == 1
    assert effective_settings("c.json").approval.yolo is True  # trusted: not asked again
    assert workspace not in store_path().parents

    write(config, {"approval": {"yolo": True}, "sandbox": {"network": True}})
    with pytest.raises(ConfigError, match="trust"):
        effective_settings("c.json")
    with pytest.raises(ConfigError):
        effective_settings("c.json", ask=lambda q: False)


def test_a_link_in_the_workspace_to_a_file_outside_is_still_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    monkeypatch.chdir(workspace)
    outside = write(tmp_path / "outside.json", {"approval": {"yolo": True}})
    (workspace / "c.json").symlink_to(outside)
    with pytest.raises(ConfigError, match="trust"):
        effective_settings("c.json")
    assert effective_settings(outside).approval.yolo is True  # the user's own file


def test_the_workspace_env_names_a_config_it_may_only_tighten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    monkeypatch.chdir(workspace)
    elsewhere = write(tmp_path / "strict.json", {"approval": {"overrides": {"bash": "deny"}}})
    (workspace / ".env").write_text(f"ML_INTERN_CLI_CONFIG={elsewhere}\n")
    assert effective_settings().approval.overrides == {"bash": "deny"}
    write(elsewhere, {"approval": {"yolo": True}})
    with pytest.raises(ConfigError, match=r"named by the workspace's \.env"):
        effective_settings()
