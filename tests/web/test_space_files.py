"""The Space's files agree with each other and with the code, checked without Docker.

Docker Hub is out of reach where the tests run, so the image is not built here. What is checked
instead: the image's command is one `ml-intern web` accepts and serves on the port the Space
card names; it runs as uid 1000 with a home it can write; it installs from uv.lock what the
web server and its sign-in need, and no dev tools; the build context holds what the build
reads and none of the local state; and the agent config the image points at routes inference
through each person's token and keeps people out of the shared container.
"""

from __future__ import annotations

import fnmatch
import json
import shlex
import subprocess
import tomllib
from pathlib import Path

import typer
import yaml

from cli.web import app as web_app
from cli.web import is_loopback
from configs.model_profile import profile_of
from configs.settings import load_settings
from serve.oauth import CALLBACK_PATH
from tools.families import build_catalog

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = "/home/user/app"  # where the Dockerfile copies the build context
# The Hub's documented OAuth scopes (docs/hub/oauth.md); "openid profile" are implied.
HUB_SCOPES = {
    "openid", "profile", "email", "read-billing", "read-repos", "write-repos",
    "manage-repos", "inference-api", "write-discussions", "gated-repos",
}  # fmt: skip
NOT_IN_CONTAINER = {"plan", "skill"}  # local-family tools that touch no file or process


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    pairs = [line.split(None, 1) for line in lines if line and not line.startswith("#")]
    return [(p[0].upper(), p[1] if len(p) > 1 else "") for p in pairs]


def env_of_image() -> dict[str, str]:
    env: dict[str, str] = {}
    for name, args in instructions():
        if name == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(args))
    return env


def space_card() -> dict:
    text = (ROOT / "space" / "README.md").read_text()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def ignored(path: str) -> bool:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    parts = Path(path).parts
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(
        fnmatch.fnmatch(prefix, pattern.removeprefix("**/"))
        or fnmatch.fnmatch(Path(prefix).name, pattern.removeprefix("**/"))
        for pattern in patterns
        for prefix in prefixes
    )


def test_the_image_serves_what_the_space_card_says() -> None:
    card = space_card()
    assert card["sdk"] == "docker" and card["hf_oauth"] is True
    cmd = json.loads(dict(instructions())["CMD"])  # exec form: no shell in between
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert cmd[:2] == ["ml-intern", "web"] and "ml-intern" in scripts
    # The real command line parser of `ml-intern web`, on the image's arguments.
    params = typer.main.get_command(web_app).make_context("ml-intern web", cmd[2:]).params
    assert params["port"] == card["app_port"] == int(dict(instructions())["EXPOSE"])
    assert not is_loopback(params["host"])  # reachable by the Space's proxy...
    assert params["token"] is None  # ...with no access token: people sign in instead
    assert card["hf_oauth_redirect_path"] == CALLBACK_PATH
    scopes = set(card["hf_oauth_scopes"])
    assert scopes <= HUB_SCOPES, scopes - HUB_SCOPES
    # Inference on each person's token, and their repos (upload, create) and Jobs.
    assert {"inference-api", "read-repos", "write-repos", "manage-repos"} <= scopes


def test_the_image_runs_as_uid_1000_with_a_home_it_can_write() -> None:
    steps = instructions()
    users = [args for name, args in steps if name == "USER"]
    assert users == ["user"]
    assert any(name == "RUN" and "useradd" in a and "--uid 1000 user" in a for name, a in steps)
    home = env_of_image()["ML_INTERN_HOME"]
    assert home.startswith("/home/user/")
    after_user = steps[[name for name, _ in steps].index("USER") :]
    made = [a for name, a in after_user if name == "RUN" and "mkdir" in a]
    assert made and '"$ML_INTERN_HOME"' in made[0]  # created by the user itself


def test_the_image_installs_the_lock_with_what_the_server_needs_and_no_dev_tools() -> None:
    syncs = [a for name, a in instructions() if name == "RUN" and "uv sync" in a]
    assert syncs and all("--frozen" in a and "--no-dev" in a for a in syncs)
    exported = subprocess.run(
        ["uv", "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    names = {line.split("==")[0] for line in exported.splitlines() if "==" in line}
    # `langgraph dev` with the in-memory runtime, and the SDK's Auth for serve/auth.py.
    assert {"langgraph-cli", "langgraph-api", "langgraph-runtime-inmem", "langgraph-sdk"} <= names
    assert not names & {"pytest", "playwright", "ruff"}


def test_the_build_context_has_what_the_build_reads_and_no_local_state() -> None:
    sources = []
    for name, args in instructions():
        if name == "COPY" and "--from=" not in args:
            words = [w for w in args.split() if not w.startswith("--")]
            sources += words[:-1]
    assert "pyproject.toml" in sources and "uv.lock" in sources
    for source in sources:
        if source != ".":
            assert (ROOT / source).exists() and not ignored(source), source
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = [project["project"]["readme"]]
    needed += project["tool"]["hatch"]["build"]["targets"]["wheel"]["only-include"]
    needed += [env_of_image()["ML_INTERN_CLI_CONFIG"].removeprefix(APP_DIR + "/")]
    assert not [path for path in needed if ignored(path) or not (ROOT / path).exists()]
    for local in (".env", ".venv/bin/python", ".git/config", "threads.sqlite", "graph/x.pyc"):
        assert ignored(local), local


def test_the_space_config_routes_inference_and_keeps_people_out_of_the_container(
    tmp_path: Path,
) -> None:
    path = ROOT / env_of_image()["ML_INTERN_CLI_CONFIG"].removeprefix(APP_DIR + "/")
    settings = load_settings(env={"ML_INTERN_CLI_CONFIG": str(path), "HOME": str(tmp_path)})
    assert not settings.warnings
    assert profile_of(
        settings.model_name
    ).needs_hf_token  # each person's token pays for their inference
    local = [
        spec.name
        for spec in build_catalog(settings)
        if spec.family == "local" and spec.name not in NOT_IN_CONTAINER
    ]
    assert "bash" in local
    assert {name: settings.approval.overrides.get(name) for name in local} == dict.fromkeys(
        local, "deny"
    )
