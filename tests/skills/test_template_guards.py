"""The templates' precision and hardware guards, run in-process on the pure functions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.skills import tiny
from tests.skills.call import template
from tests.skills.conftest import SKILLS


@pytest.fixture(scope="module")
def sft() -> ModuleType:
    return template(SKILLS / "sft-trl" / "train_sft.py")


@pytest.fixture(scope="module")
def grpo() -> ModuleType:
    return template(SKILLS / "grpo-rl" / "train_grpo.py")


@pytest.mark.parametrize(
    ("precision", "lora", "dtype"),
    [
        ("bf16", False, "float32"),  # full fine-tune: fp32 master weights, bf16 autocast
        ("fp16", False, "float32"),
        ("fp32", False, "float32"),
        ("bf16", True, "bfloat16"),  # the LoRA base is frozen: half precision is enough
        ("fp16", True, "float16"),
        ("fp32", True, "float32"),
    ],
)
def test_grpo_keeps_fp32_weights_unless_the_base_is_frozen(
    grpo: ModuleType, precision: str, lora: bool, dtype: str
) -> None:
    assert grpo.weights_dtype(precision, lora) == dtype


def test_sft_full_fine_tune_loads_fp32_even_from_a_bf16_checkpoint(
    sft: ModuleType, tmp_path: Path
) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    folder = tiny.causal_lm_dir(tmp_path / "lm")
    AutoModelForCausalLM.from_pretrained(folder).to(torch.bfloat16).save_pretrained(folder)
    args = argparse.Namespace(model_id=str(folder), attn_implementation=None, load_in_4bit=False)

    # transformers 5 would load this checkpoint in bf16 (dtype follows the config).
    assert sft.load_model(args, "bf16", use_lora=False).dtype == torch.float32
    assert sft.load_model(args, "bf16", use_lora=True).dtype == torch.bfloat16


def test_on_cpu_both_templates_say_they_train_in_fp32(
    sft: ModuleType, grpo: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert sft.choose_precision() == "fp32" and grpo.choose_precision() == "fp32"
    assert "No GPU" in capsys.readouterr().out


def test_sft_4bit_without_cuda_stops_with_what_to_do(
    sft: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    argv = ["train_sft.py", "--hub-model-id", "alice/x", "--load-in-4bit"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit, match="--load-in-4bit needs a CUDA GPU"):
        sft.main()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--per-device-eval-batch-size", "4"], "--per-device-eval-batch-size 4 is not a multiple"),
        (
            ["--per-device-train-batch-size", "3"],
            "make --gradient-accumulation-steps a multiple of 8",
        ),
        (["--num-generations", "1"], "use 2 or more"),
    ],
)
def test_grpo_stops_on_a_batch_that_splits_a_group_before_loading_anything(
    grpo: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    says: str,
) -> None:
    base = ["train_grpo.py", "--hub-model-id", "alice/x", "--model-id", "/no/such/model"]
    monkeypatch.setattr(sys, "argv", [*base, *argv])
    with pytest.raises(SystemExit):
        grpo.main()
    assert says in capsys.readouterr().err


def test_grpo_eval_batch_follows_the_generations_when_the_train_batch_is_halved(
    grpo: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["train_grpo.py", "--hub-model-id", "alice/x"]
    halved = ["--per-device-train-batch-size", "4", "--gradient-accumulation-steps", "8"]
    monkeypatch.setattr(sys, "argv", [*argv, *halved])
    args = grpo.parse_args()
    assert args.per_device_eval_batch_size % args.num_generations == 0
