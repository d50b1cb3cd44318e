"""Fixtures for running the skills' templates on CPU: a tiny model, local data, a local Hub."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.cli_zygote import run as zygote_run
from tests.skills import tiny
from tests.skills.hub import ModelHub

SKILLS = Path(__file__).resolve().parents[2] / "skills"


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved 2-layer Qwen2 with a ChatML tokenizer, made once per test session."""
    return tiny.causal_lm_dir(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture
def hub() -> Iterator[ModelHub]:
    with ModelHub() as server:
        yield server


@pytest.fixture
def template_env(hub: ModelHub, tmp_path: Path) -> dict[str, str]:
    """Environment for a template run: the local Hub, private caches, CPU only, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRACKIO_"))}
    env.update(
        HF_ENDPOINT=hub.url,
        HF_TOKEN=hub.token,
        HF_HOME=str(tmp_path / "hf-home"),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_XET="1",
        CUDA_VISIBLE_DEVICES="",
        TOKENIZERS_PARALLELISM="false",
        OMP_NUM_THREADS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_template(
    script: Path, args: list[str], env: dict[str, str], cwd: Path, *, fresh: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run a template as a Job would (its own process, the script as `__main__`), failing with
    its output's tail. The process is forked from one that already imported torch (see
    tests/fakes/cli_zygote.py), unless `fresh`: then it is a new interpreter."""
    runner = subprocess.run if fresh else zygote_run
    done = runner(
        [sys.executable, str(script), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        tail = (done.stdout[-3000:] + "\n--- stderr ---\n" + done.stderr[-6000:]).strip()
        pytest.fail(f"{script.name} exited {done.returncode}:\n{tail}")
    return done
