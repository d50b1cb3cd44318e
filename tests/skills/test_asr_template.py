"""The ASR template trains a tiny CTC model on tone clips, reports WER and pushes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.skills import tiny, tiny_speech
from tests.skills.conftest import SKILLS, Build, run_template
from tests.skills.hub import ModelHub
from tests.skills.weights import all_finite, changed_fraction, logged_losses

SCRIPT = SKILLS / "asr-fine-tuning" / "train_asr_ctc.py"
pytestmark = pytest.mark.timeout(600)


# Its own runs (the model's build and the training run, both forked) take ~1 s of CPU. As a
# worker's first template test, its duration also holds the wait for the templates' zygotes to
# start (tests/skills/conftest.py): alone at load 9, 82 s; after another template test, 3.8 s.
def test_ctc_model_trains_reports_wer_and_pushes_privately(
    build: Build, hub: ModelHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    model = build("tiny_speech.ctc_model_dir", tmp_path / "w2v2")
    before = (model / "model.safetensors").read_bytes()
    data = tiny.write_jsonl(tmp_path / "clips", "train", tiny_speech.tone_rows())
    args = [
        "--model-id", str(model), "--dataset-id", str(data), "--hub-model-id", "alice/tiny-asr",
        "--max-steps", "3", "--batch-size", "4", "--learning-rate", "1e-3", "--warmup", "0",
        "--logging-steps", "1",
    ]  # fmt: skip
    done = run_template(SCRIPT, args, template_env, tmp_path)

    assert all_finite(logged_losses(done.stdout)), done.stdout[-2000:]
    assert re.search(r"eval WER: [0-9.]+ -> [0-9.]+", done.stdout)
    repo = hub.repo("models", "alice/tiny-asr")
    assert repo.private
    assert {"model.safetensors", "vocab.json"} <= set(repo.files), sorted(repo.files)
    assert {"processor_config.json", "preprocessor_config.json"} & set(repo.files)  # the processor
    assert changed_fraction(before, repo.files["model.safetensors"]) > 0.3
