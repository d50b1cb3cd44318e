"""The reward model template scores held-out pairs before and after, and pushes a 1-output head."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.skills import tiny
from tests.skills.conftest import SKILLS, run_template
from tests.skills.hub import ModelHub
from tests.skills.weights import all_finite, logged_losses

SCRIPT = SKILLS / "reward-models" / "train_reward_model.py"
pytestmark = pytest.mark.timeout(600)


def test_reward_model_trains_on_pairs_and_pushes_a_scalar_head(
    tiny_lm: Path, hub: ModelHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    text = tiny.corpus(16)
    rows = [{"chosen": f"{t} answer", "rejected": f"{t} why why"} for t in text[16:]]
    data = tiny.write_jsonl(tmp_path / "pairs", "train", rows)
    args = [
        "--model-id", str(tiny_lm), "--dataset-id", str(data), "--hub-model-id", "alice/tiny-rm",
        "--max-steps", "3", "--batch-size", "4", "--gradient-accumulation-steps", "1",
        "--learning-rate", "1e-3", "--logging-steps", "1", "--max-length", "64",
    ]  # fmt: skip
    done = run_template(SCRIPT, args, template_env, tmp_path)

    assert all_finite(logged_losses(done.stdout)), done.stdout[-2000:]
    assert re.search(r"held-out pair accuracy: [0-9.]+ -> [0-9.]+", done.stdout)
    repo = hub.repo("models", "alice/tiny-rm")
    assert repo.private
    config = json.loads(repo.files["config.json"])
    assert config["architectures"] == ["Qwen2ForSequenceClassification"]
    assert len(config.get("id2label", {"0": "LABEL_0"})) == 1  # one scalar reward
