"""Importing the project keeps litellm from reaching out at start-up: no price-list download,
no `.env` file loaded behind our back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh_import(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """One fresh interpreter (~5 s of CPU for litellm) imports configs then litellm, with
    neither variable that configs sets, in a folder holding a stray `.env`; what it saw."""
    # litellm's own loader looks in the cwd when __main__ has no file (as with `python -c`).
    folder = tmp_path_factory.mktemp("stray-dotenv")
    (folder / ".env").write_text("ML_INTERN_PROBE_SECRET=from-a-stray-dotenv\n")
    unset = ("LITELLM_LOCAL_MODEL_COST_MAP", "LITELLM_MODE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["PYTHONPATH"] = str(ROOT)
    code = (
        "import configs, litellm, os; "
        "print(os.environ['LITELLM_LOCAL_MODEL_COST_MAP'], bool(litellm.model_cost)); "
        "print(os.environ.get('ML_INTERN_PROBE_SECRET'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_importing_configs_keeps_litellm_offline(fresh_import: list[str]) -> None:
    assert fresh_import[0].split() == ["True", "True"]


def test_litellm_loads_no_dotenv_of_its_own(fresh_import: list[str]) -> None:
    assert fresh_import[1].strip() == "None"
