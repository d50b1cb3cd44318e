"""Fixtures for running the skills' templates on CPU: a tiny model, local data, a local Hub.

Every template run of a test worker has the same Hub setup (HF_ENDPOINT, HF_HOME and the
other HF_* variables), what the Hugging Face libraries read when imported: its runs fork from
one zygote that has imported them (tests/fakes/hub_readers.py) instead of each importing
them (~4 s of CPU a run). Each test still has a Hub of its own at that address and an HF_HOME
emptied for it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.cli_zygote import ML_ENV, TemplatePopen
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.loopback import stop, url_of
from tests.skills.hub import ModelHub, hub_address

REPO = Path(__file__).resolve().parents[2]
SKILLS = REPO / "skills"
CALL = Path(__file__).with_name("call.py")
TOKEN = "hf_fake_token_123"
Build = Callable[..., Path]
Measure = Callable[..., Any]


@pytest.fixture(scope="session")
def hub_server() -> Iterator[ThreadingHTTPServer]:
    """The one address of this worker's local Hubs (each test's `hub` answers there)."""
    server = hub_address()
    yield server
    stop(server)


@pytest.fixture(scope="session")
def worker_hf_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hf-home")


@pytest.fixture(scope="session")
def hub_setup(hub_server: ThreadingHTTPServer, worker_hf_home: Path) -> dict[str, str]:
    """What every template run of this worker sets for the Hugging Face libraries."""
    return {
        "HF_ENDPOINT": url_of(hub_server, "ModelHub"),
        "HF_TOKEN": TOKEN,
        "HF_HOME": str(worker_hf_home),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_XET": "1",
    }


@pytest.fixture(scope="session")
def call_env(hub_setup: dict[str, str]) -> dict[str, str]:
    """The environment of tests/skills/call.py's runs: a template run's, with this checkout
    on the path."""
    return {**run_env(hub_setup), "PYTHONPATH": str(REPO)}


@pytest.fixture(scope="session")
def build(call_env: dict[str, str]) -> Build:
    """`build("tiny.causal_lm_dir", folder, *args)`: a tiny model made by that function of
    tests/skills (tiny.py, tiny_speech.py) in a template run's process (tests/skills/call.py);
    where it is."""

    def built(function: str, folder: Path, *args: str) -> Path:
        module, _, name = function.rpartition(".")
        done = run_template(CALL, [module, name, str(folder), *args], call_env, folder.parent)
        return Path(done.stdout.splitlines()[-1])

    return built


@pytest.fixture(scope="session")
def measure(call_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Measure:
    """`measure("facts.moved_after_adamw", "float32", "1e-6")`: what that function of
    tests/skills/facts.py (or guards.py) returns, run in a template run's process
    (tests/skills/call.py), so no test worker imports torch and transformers for it."""
    folder = tmp_path_factory.mktemp("facts")

    def measured(function: str, *args: str) -> Any:
        module, _, name = function.rpartition(".")
        done = run_template(CALL, [module, name, *args], call_env, folder)
        return json.loads(done.stdout.splitlines()[-1])

    return measured


@pytest.fixture(scope="session")
def tiny_lm(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved 2-layer Qwen2 with a ChatML tokenizer, made once per test session."""
    return build("tiny.causal_lm_dir", tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture
def hub(hub_server: ThreadingHTTPServer) -> Iterator[ModelHub]:
    """This test's own local Hub (no repo or request of another test's), at the worker's
    one Hub address."""
    with ModelHub(TOKEN).answering_at(hub_server) as server:
        yield server


@pytest.fixture
def hf_home(worker_hf_home: Path) -> Path:
    """This test's HF_HOME: the worker's one folder, emptied first (no test's runs see the
    Hub files, datasets or modules another test's runs cached)."""
    shutil.rmtree(worker_hf_home)
    worker_hf_home.mkdir()
    return worker_hf_home


@pytest.fixture
def template_env(hub: ModelHub, hf_home: Path, hub_setup: dict[str, str]) -> dict[str, str]:
    """Environment for a template run: the local Hub, private caches, CPU only, no telemetry."""
    assert (hub.url, hub.token, str(hf_home)) == (
        hub_setup["HF_ENDPOINT"],
        hub_setup["HF_TOKEN"],
        hub_setup["HF_HOME"],
    )
    return run_env(hub_setup)


def run_env(hub_setup: dict[str, str]) -> dict[str, str]:
    """This process's environment with no HF_* or TRACKIO_* of its own: `hub_setup`, CPU
    only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRACKIO_"))}
    env.update(hub_setup, **ML_ENV, PYTHONUNBUFFERED="1")
    return env


def run_template(
    script: Path,
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    *,
    fresh: bool = False,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a template as a Job would (its own process, the script as `__main__`), failing with
    its output's tail if it fails and `check`. The process is forked from one that already
    imported torch and the Hugging Face libraries (tests/fakes/hub_readers.py), unless
    `fresh`: then it is a new interpreter."""
    runner = subprocess.run if fresh else partial(zygote_run, popen=TemplatePopen)
    done = runner(
        [sys.executable, str(script), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and done.returncode != 0:
        tail = (done.stdout[-3000:] + "\n--- stderr ---\n" + done.stderr[-6000:]).strip()
        pytest.fail(f"{script.name} exited {done.returncode}:\n{tail}")
    return done
