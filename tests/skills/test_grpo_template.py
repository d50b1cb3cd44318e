"""The GRPO template scores a baseline, trains a tiny policy on CPU and pushes what moved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.skills import tiny
from tests.skills.conftest import SKILLS, Build, run_template
from tests.skills.hub import ModelHub
from tests.skills.weights import all_finite, changed_fraction, logged_losses

SCRIPT = SKILLS / "grpo-rl" / "train_grpo.py"
# A training run in its own process: imports alone take ~10 s of CPU.
pytestmark = pytest.mark.timeout(600)


def gsm8k_like(folder: Path) -> Path:
    """Train and test splits whose answers all end in '#### 7' (the policy's vocabulary)."""
    rows = [{"question": f"q{i}", "answer": "steps\n#### 7"} for i in range(8)]
    tiny.write_jsonl(folder, "train", rows)
    return tiny.write_jsonl(folder, "test", rows[:8])


def test_grpo_reports_baseline_and_final_reward_and_pushes_moved_weights(
    build: Build, hub: ModelHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    model = build("tiny.uniform_policy_dir", tmp_path / "policy")
    before = (model / "model.safetensors").read_bytes()
    data = gsm8k_like(tmp_path / "data")
    args = [
        "--model-id", str(model), "--dataset-id", str(data), "--dataset-config", "",
        "--hub-model-id", "alice/tiny-grpo", "--max-steps", "2", "--num-generations", "8",
        # the system prompt's out-of-memory advice: half the batch, twice the accumulation
        "--per-device-train-batch-size", "4", "--gradient-accumulation-steps", "2",
        "--max-completion-length", "12", "--max-eval-samples", "8", "--logging-steps", "1",
        "--save-steps", "100", "--report-to", "none",  # the default LR: 1e-6, full fine-tune
    ]  # fmt: skip
    done = run_template(SCRIPT, args, template_env, tmp_path)

    assert all_finite(logged_losses(done.stdout)), done.stdout[-2000:]
    assert re.search(r"baseline \(before training\) eval reward: [0-9.]+", done.stdout)
    assert re.search(r"eval reward: [0-9.]+ -> [0-9.]+", done.stdout)
    repo = hub.repo("models", "alice/tiny-grpo")
    assert repo.private
    assert {"model.safetensors", "config.json", "README.md"} <= set(repo.files)
    assert changed_fraction(before, repo.files["model.safetensors"]) > 0.5, done.stdout[-4000:]
