"""The embedding template scores retrieval before and after training and pushes moved weights."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.skills import tiny
from tests.skills.conftest import SKILLS, Build, run_template
from tests.skills.hub import ModelHub
from tests.skills.weights import all_finite, changed_fraction, logged_losses, stored

SCRIPT = SKILLS / "embedding-models" / "train_embeddings.py"
# A training run in its own process: imports alone take ~10 s of CPU.
pytestmark = pytest.mark.timeout(600)


def test_embedding_fine_tune_reports_retrieval_and_pushes_a_private_model(
    build: Build, hub: ModelHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    model = build("tiny.bf16_sentence_encoder_dir", tmp_path / "encoder")
    before = (model / "model.safetensors").read_bytes()
    data = tiny.write_jsonl(tmp_path / "pairs", "train", tiny.pair_rows())
    args = [
        "--model-id", str(model), "--dataset-id", str(data), "--hub-model-id", "alice/tiny-emb",
        "--max-steps", "4", "--batch-size", "8", "--eval-size", "0.25", "--warmup", "0",
        "--logging-steps", "1", "--learning-rate", "1e-3",
    ]  # fmt: skip
    done = run_template(SCRIPT, args, template_env, tmp_path)

    assert all_finite(logged_losses(done.stdout)), done.stdout[-2000:]
    assert re.search(r"held-out ndcg@10: [0-9.]+ -> [0-9.]+", done.stdout)
    repo = hub.repo("models", "alice/tiny-emb")
    assert repo.private
    assert {"modules.json", "model.safetensors", "1_Pooling/config.json", "README.md"} <= set(
        repo.files
    ), sorted(repo.files)
    assert changed_fraction(before, repo.files["model.safetensors"]) > 0.5
    # trained in fp32 weights although the checkpoint was bf16 (bf16 weights round small steps away)
    assert {"BF16"} == {dtype for dtype, _ in stored(before).values()}
    assert {"F32"} == {dtype for dtype, _ in stored(repo.files["model.safetensors"]).values()}
