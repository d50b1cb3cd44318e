"""Importing the project keeps litellm from reaching out at start-up: no price-list download,
no `.env` file loaded behind our back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_configs_keeps_litellm_offline() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    code = (
        "import configs, litellm, os; "
        "print(os.environ['LITELLM_LOCAL_MODEL_COST_MAP'], bool(litellm.model_cost))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


def test_litellm_loads_no_dotenv_of_its_own(tmp_path: Path) -> None:
    # litellm's own loader looks in the cwd when __main__ has no file (as with `python -c`).
    (tmp_path / ".env").write_text("ML_INTERN_PROBE_SECRET=from-a-stray-dotenv\n")
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_MODE"}
    env["PYTHONPATH"] = str(ROOT)
    code = "import configs, litellm, os; print(os.environ.get('ML_INTERN_PROBE_SECRET'))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"
