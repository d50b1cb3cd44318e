"""The SFT template trains a tiny model on CPU and pushes weights that moved to the local Hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.hub_server import FakeHub
from tests.skills import tiny
from tests.skills.conftest import SKILLS, run_template
from tests.skills.weights import all_finite, changed_fraction, logged_losses, tensors

SCRIPT = SKILLS / "sft-trl" / "train_sft.py"
# A training run in its own process: imports alone take ~10 s of CPU.
pytestmark = pytest.mark.timeout(600)


def sft_args(model: Path, data: Path, repo: str, *extra: str) -> list[str]:
    return [
        "--model-id", str(model), "--dataset-id", str(data), "--hub-model-id", repo,
        "--max-steps", "3", "--max-samples", "32", "--per-device-train-batch-size", "4",
        "--gradient-accumulation-steps", "1", "--max-length", "64", "--logging-steps", "1",
        "--save-steps", "100", "--report-to", "none", "--warmup", "0", *extra,
    ]  # fmt: skip


def test_full_fine_tune_moves_fp32_weights_and_pushes_them_privately(
    tiny_lm: Path, hub: FakeHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    data = tiny.write_jsonl(tmp_path / "data", "train", tiny.chat_rows())
    # a save at step 2 pushes last-checkpoint/ (hub_strategy "checkpoint", the default)
    args = [*sft_args(tiny_lm, data, "alice/tiny-sft"), "--save-steps", "2"]
    done = run_template(SCRIPT, args, template_env, tmp_path)

    assert all_finite(logged_losses(done.stdout)), done.stdout[-2000:]
    repo = hub.repo("models", "alice/tiny-sft")
    assert repo.private, "a new repo must be private unless --public"
    for name in ("model.safetensors", "config.json", "tokenizer.json", "README.md"):
        assert name in repo.files, sorted(repo.files)
    before = (tiny_lm / "model.safetensors").read_bytes()
    # fp32 master weights: every weight with a gradient moves (bf16 weights moved ~28%).
    assert changed_fraction(before, repo.files["model.safetensors"]) > 0.8
    # the resume state (optimizer, ~12 B/param) does not stay in the release repo
    assert "Deleted last-checkpoint/" in done.stdout, done.stdout[-2000:]
    assert not [f for f in repo.files if f.startswith("last-checkpoint/")], sorted(repo.files)


def test_lora_pushes_an_adapter_whose_weights_trained(
    tiny_lm: Path, hub: FakeHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    data = tiny.write_jsonl(tmp_path / "data", "train", tiny.chat_rows())
    args = sft_args(tiny_lm, data, "alice/tiny-lora", "--use-lora", "--packing")
    # a new interpreter, as `python train_sft.py` is on a Job (the others fork a warm one)
    done = run_template(SCRIPT, args, template_env, tmp_path, fresh=True)

    assert all_finite(logged_losses(done.stdout))
    files = hub.repo("models", "alice/tiny-lora").files
    assert {"adapter_config.json", "adapter_model.safetensors"} <= set(files), sorted(files)
    lora_b = [t for n, t in tensors(files["adapter_model.safetensors"]).items() if "lora_B" in n]
    assert lora_b and all(float(abs(t).sum()) > 0 for t in lora_b)  # B starts at zero
