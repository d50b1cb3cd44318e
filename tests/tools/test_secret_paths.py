"""One rule for paths, whichever tool names them: credential locations need a human every
time (headless and yolo included); read-only commands that leave the workspace ask."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.local.family import local_specs
from tools.policy import PolicyContext, decide

SPECS = {spec.name: spec for spec in local_specs()}


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    workspace = tmp_path / "home" / "project"
    workspace.mkdir(parents=True)
    return workspace


def verdicts(tool: str, args: dict[str, str], workspace: Path) -> tuple[str, str, str]:
    """(interactive, headless, interactive with yolo)."""
    rule = SPECS[tool].approval
    return (
        decide(tool, args, rule, PolicyContext(mode="interactive", workspace=workspace)),
        decide(tool, args, rule, PolicyContext(mode="headless", workspace=workspace)),
        decide(tool, args, rule, PolicyContext(yolo=True, workspace=workspace)),
    )


GUARDED = ("ask", "deny", "ask")  # a human every time; none in headless, so it never runs


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("bash", {"command": "cat ~/.ssh/id_rsa"}),
        ("bash", {"command": "head -5 ~/.cache/huggingface/token"}),
        ("bash", {"command": "grep -r KEY ~/.aws"}),
        ("bash", {"command": "cp ../.env.production ."}),
        ("bash", {"command": "python train.py --creds=~/.git-credentials"}),
        ("bash", {"command": "tar czf x.tgz $HOME/.kube"}),
        ("read", {"path": "~/.aws/credentials"}),
        ("read", {"path": "../.env"}),
        ("grep", {"pattern": "token", "path": "~/.config/gh"}),
        ("glob", {"pattern": "*", "path": "~/.ssh"}),
        ("edit", {"path": "~/.netrc", "old_str": "a", "new_str": "b"}),
        ("write", {"path": "~/.docker/config.json", "content": "{}"}),
    ],
)
def test_credential_locations_need_a_human_in_every_mode(
    ws: Path, tool: str, args: dict[str, str]
) -> None:
    assert verdicts(tool, args, ws) == GUARDED


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        ("bash", {"command": "cat /etc/hosts"}, ("ask", "auto", "auto")),
        ("bash", {"command": "cat ../other/notes.txt"}, ("ask", "auto", "auto")),
        ("bash", {"command": "ls ~"}, ("ask", "auto", "auto")),
        ("bash", {"command": "printenv"}, ("ask", "auto", "auto")),
        ("bash", {"command": "cat train.py | grep -n lr"}, ("auto", "auto", "auto")),
        ("bash", {"command": "cat .env"}, GUARDED),  # the project's own too: `.env` at any depth
        ("read", {"path": "sub/.env.local"}, GUARDED),
        ("read", {"path": "sub/.env.example"}, ("auto", "auto", "auto")),  # a template
        ("read", {"path": "/etc/hosts"}, ("ask", "auto", "auto")),
        ("read", {"path": "train.py"}, ("auto", "auto", "auto")),
        ("grep", {"pattern": "x", "path": "/etc"}, ("ask", "auto", "auto")),
        ("glob", {"pattern": "**/*.py"}, ("auto", "auto", "auto")),
    ],
)
def test_the_same_path_gets_the_same_answer_from_every_tool(
    ws: Path, tool: str, args: dict[str, str], expected: tuple[str, str, str]
) -> None:
    assert verdicts(tool, args, ws) == expected


def test_the_config_can_allow_a_credential_location(ws: Path) -> None:
    """`approval.allow_secret_paths` lifts the rule for what it lists, and only that."""
    from configs.settings import load_settings
    from tools.families import build_catalog

    config = ws / "config.json"
    config.write_text('{"approval": {"allow_secret_paths": ["~/.kube"]}}')
    try:
        build_catalog(load_settings(config_path=config))
        kube = verdicts("bash", {"command": "cat ~/.kube/config"}, ws)
        assert kube == ("ask", "auto", "auto")  # like any path outside the workspace
        assert verdicts("read", {"path": "~/.kube/config"}, ws) == ("ask", "auto", "auto")
        assert verdicts("read", {"path": "~/.ssh/id_rsa"}, ws) == GUARDED
    finally:
        build_catalog(load_settings(config_path=None))
    assert verdicts("read", {"path": "~/.kube/config"}, ws) == GUARDED


# The credential places of ML work (issue 24's list): each one asks every time, whatever tool.
CREDENTIAL_MAP = [
    *("~/.pgpass", "~/.huggingface/token", "~/.cache/huggingface/token", "~/.vast_api_key"),
    *("~/.config/vastai/vast_api_key", "~/.cargo/credentials.toml", "~/.vault-token"),
    *("~/.databrickscfg", "~/.kaggle/kaggle.json", "~/.netrc", "~/.lambda_cloud/key"),
    *("~/.runpod/config.toml", "~/.modal.toml", "~/.npmrc", "~/.pypirc", "~/.docker/config.json"),
    *("~/.kube/config", "~/.config/gcloud/credentials.db", "~/.azure/msal_token_cache.json"),
    *("~/.aws/credentials", "~/.ssh/id_ed25519", "~/.git-credentials", "~/.config/gh/hosts.yml"),
    *("deep/down/.env", "deep/.env.production", ".envrc", "$ML_INTERN_HOME/threads.sqlite"),
]


@pytest.mark.parametrize("path", CREDENTIAL_MAP)
def test_the_credential_map_covers_the_places_of_ml_work(ws: Path, path: str) -> None:
    for tool, args in [("read", {"path": path}), ("bash", {"command": f"cat {path}"})]:
        assert verdicts(tool, args, ws) == GUARDED, (tool, path)


def test_variables_naming_credentials_and_the_masking_list(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`credential_places()` is the list the masking reads secret values from."""
    from tools.places import credential_places

    monkeypatch.setenv("PGPASSFILE", str(ws.parent / "pg" / "pass"))
    monkeypatch.setenv("CARGO_HOME", str(ws.parent / "cargo"))
    places = credential_places()
    assert (
        ws.parent / "pg" / "pass" in places and ws.parent / "cargo" / "credentials.toml" in places
    )
    assert verdicts("read", {"path": str(ws.parent / "pg" / "pass")}, ws) == GUARDED
    assert verdicts("read", {"path": "deep/.env.example"}, ws) == ("auto", "auto", "auto")


def test_a_fifo_named_config_never_blocks_the_approval_of_a_write(tmp_path: Path) -> None:
    """The approval looks into a `config` for git sections: a FIFO planted under that name
    used to block the approval node (an open waiting for a writer) before any human saw it."""
    import os
    import threading

    os.mkfifo(tmp_path / "config")
    spec = {s.name: s for s in local_specs()}["write"]
    decided: list[str] = []
    args = {"path": "config", "content": "x = 1\n"}
    ctx = PolicyContext(workspace=tmp_path, mode="interactive")
    worker = threading.Thread(
        target=lambda: decided.append(decide("write", args, spec.approval, ctx)), daemon=True
    )
    worker.start()
    worker.join(timeout=30)
    assert decided, "the approval blocked on the FIFO"
