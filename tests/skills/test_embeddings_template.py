"""The embedding template scores retrieval before and after training and pushes moved weights."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.skills import tiny
from tests.skills.conftest import SKILLS, run_template
from tests.skills.hub import ModelHub
from tests.skills.weights import all_finite, changed_fraction, logged_losses

SCRIPT = SKILLS / "embedding-models" / "train_embeddings.py"
# A training run in its own process: imports alone take ~10 s of CPU.
pytestmark = pytest.mark.timeout(600)


def test_embedding_fine_tune_reports_retrieval_and_pushes_a_private_model(
    hub: ModelHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    model = tiny.sentence_encoder_dir(tmp_path / "encoder")
    bf16_checkpoint(model)
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
    import torch
    from safetensors.torch import load

    # trained in fp32 weights although the checkpoint was bf16 (bf16 weights round small steps away)
    assert {t.dtype for t in load(repo.files["model.safetensors"]).values()} == {torch.float32}


def bf16_checkpoint(folder: Path) -> None:
    """Save the encoder again in bf16, as many Hub checkpoints are."""
    import torch
    from sentence_transformers import SentenceTransformer

    SentenceTransformer(str(folder)).to(torch.bfloat16).save_pretrained(str(folder))
