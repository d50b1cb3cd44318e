"""The text classification template maps string labels, trains a new head and pushes it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.skills import tiny
from tests.skills.conftest import SKILLS, Build, run_template
from tests.skills.hub import ModelHub
from tests.skills.weights import all_finite, logged_losses

SCRIPT = SKILLS / "text-classification" / "train_text_classifier.py"
pytestmark = pytest.mark.timeout(600)


def test_text_classifier_learns_string_labels_and_pushes_a_private_model(
    build: Build, hub: ModelHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    encoder = build("tiny.bert_dir", tmp_path / "bert")
    rows = [{"text": t, "label": "sum" if "+" in t else "words"} for t in tiny.corpus(24)]
    data = tiny.write_jsonl(tmp_path / "data", "train", rows)
    args = [
        "--model-id", str(encoder), "--dataset-id", str(data), "--hub-model-id", "alice/tiny-cls",
        "--max-steps", "3", "--batch-size", "8", "--learning-rate", "1e-3", "--warmup", "0",
        "--logging-steps", "1", "--max-length", "32",
    ]  # fmt: skip
    done = run_template(SCRIPT, args, template_env, tmp_path)

    assert all_finite(logged_losses(done.stdout)), done.stdout[-2000:]
    assert re.search(r"eval macro_f1: [0-9.]+ -> [0-9.]+", done.stdout)
    repo = hub.repo("models", "alice/tiny-cls")
    assert repo.private
    labels = json.loads(repo.files["config.json"])["id2label"]
    assert sorted(labels.values()) == ["sum", "words"]  # the head follows the data's labels
    assert {"model.safetensors", "tokenizer.json"} <= set(repo.files)
