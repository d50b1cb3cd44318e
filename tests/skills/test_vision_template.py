"""The image-classification template trains a tiny ViT on CPU and pushes a private model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.skills import tiny
from tests.skills.conftest import SKILLS, Build, run_template
from tests.skills.hub import ModelHub
from tests.skills.weights import all_finite, changed_fraction, logged_losses

SCRIPT = SKILLS / "vision-fine-tuning" / "train_image_classifier.py"
# A training run in its own process: imports alone take ~10 s of CPU.
pytestmark = pytest.mark.timeout(600)


def test_image_classifier_gets_a_new_head_trains_and_pushes(
    build: Build, hub: ModelHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    model = build("tiny.image_classifier_dir", tmp_path / "vit")
    before = (model / "model.safetensors").read_bytes()
    data = tiny.image_folder(tmp_path / "images")
    args = [
        "--model-id", str(model), "--dataset-id", str(data), "--hub-model-id", "alice/tiny-vit",
        "--max-steps", "4", "--batch-size", "8", "--learning-rate", "1e-3", "--warmup", "0",
        "--logging-steps", "1",
    ]  # fmt: skip
    done = run_template(SCRIPT, args, template_env, tmp_path)

    assert all_finite(logged_losses(done.stdout)), done.stdout[-2000:]
    assert re.search(r"eval accuracy: [0-9.]+ -> [0-9.]+", done.stdout)
    repo = hub.repo("models", "alice/tiny-vit")
    assert repo.private
    assert {"model.safetensors", "config.json", "preprocessor_config.json"} <= set(repo.files)
    labels = json.loads(repo.files["config.json"])["id2label"]
    assert sorted(labels.values()) == ["blue", "green", "red"]  # the head follows the data
    assert changed_fraction(before, repo.files["model.safetensors"]) > 0.5
