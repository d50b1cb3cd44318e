"""The server zygote's modules hold nothing of the environment they were imported in, and
the servers forked from it start with them imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fakes.cli_zygote import Where, Zygote, ZygotePopen
from tests.fakes.langgraph_shim import server_zygote_path
from tests.fakes.server_zygote import SERVER_PRELOAD

STATE = [sys.executable, "-m", "tests.fakes.server_state"]


class ServerZygotePopen(ZygotePopen):
    """A run forked from the CLI zygote's server zygote, as the `langgraph` shim's are."""

    def _zygote(self, kind: str) -> Where:
        cli = Zygote.shared(kind)
        return Where(server_zygote_path(cli.path), cli.bin)


def imported_state(
    place: Path, env: dict[str, str], popen: type[ZygotePopen] = ZygotePopen
) -> dict[str, Any]:
    """What the server modules hold in a run forked in `place` with `env`."""
    place.mkdir(parents=True, exist_ok=True)
    with popen(STATE, cwd=place, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
               text=True) as run:  # fmt: skip
        out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err[-2000:]
    found: dict[str, Any] = json.loads(out)
    return found


def differences(first: Any, second: Any, where: str = "") -> list[str]:
    if isinstance(first, dict) and isinstance(second, dict):
        return [
            line
            for key in sorted(set(first) | set(second))
            for line in differences(first.get(key), second.get(key), f"{where}.{key}")
        ]
    return [] if first == second else [f"{where}: {str(first)[:120]} | {str(second)[:120]}"]


def environment(tmp_path: Path, name: str, **extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("ML_INTERN_", "HF_"))}
    place = tmp_path / name
    own = {"HOME": str(place), "ML_INTERN_HOME": str(place / "home"),
           "XDG_CONFIG_HOME": str(place / "xdg"), "OPENAI_API_KEY": f"sk-{name}"}  # fmt: skip
    return {**kept, **own, **extra}


def test_importing_the_server_modules_reads_nothing_of_the_run_and_draws_nothing_random(
    tmp_path: Path,
) -> None:
    signed_in = {
        "ML_INTERN_CLI_CONFIG": str(tmp_path / "config.json"), "ML_INTERN_WEB_TOKEN": "token",
        "ML_INTERN_WORKSPACE": str(tmp_path), "ML_INTERN_SESSION_SECRET": "secret",
        "ML_INTERN_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
        "OAUTH_CLIENT_ID": "id", "OAUTH_CLIENT_SECRET": "secret", "SPACE_HOST": "a.example",
        "HF_TOKEN": "hf_x", "HF_ENDPOINT": "http://127.0.0.1:9", "TZ": "Asia/Tokyo",
    }  # fmt: skip
    first = imported_state(tmp_path / "a", environment(tmp_path, "a"))
    second = imported_state(tmp_path / "b", environment(tmp_path, "b", **signed_in))
    assert first["preloaded"] == [] and set(SERVER_PRELOAD) <= set(first["modules"])
    assert first["modules"] == second["modules"]
    assert differences(first["state"], second["state"]) == []


def test_a_server_starts_with_what_it_would_have_imported_itself(tmp_path: Path) -> None:
    cli = Zygote.shared("cli")
    assert server_zygote_path(cli.path) == server_zygote_path(cli.path)  # one, kept
    env = environment(tmp_path, "run")
    imported = imported_state(tmp_path / "fresh", env)
    inherited = imported_state(tmp_path / "forked", env, ServerZygotePopen)
    assert inherited["preloaded"] == list(SERVER_PRELOAD)
    assert inherited["modules"] == imported["modules"]
    assert differences(inherited["state"], imported["state"]) == []
