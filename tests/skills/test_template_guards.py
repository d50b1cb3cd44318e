"""The templates' precision and hardware guards: their functions called, or the template run,
in a template run's process (tests/skills/guards.py): forked from the zygote that imported
torch, transformers and TRL, which a test worker would spend ~20 s of CPU importing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.skills.conftest import SKILLS, Measure, run_template

SFT = SKILLS / "sft-trl" / "train_sft.py"
GRPO = SKILLS / "grpo-rl" / "train_grpo.py"
# A test worker's first template run waits for the zygotes to import the libraries.
pytestmark = pytest.mark.timeout(600)


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
    measure: Measure, precision: str, lora: bool, dtype: str
) -> None:
    assert measure("guards.grpo_weights_dtype", precision, "lora" if lora else "full") == dtype


def test_sft_full_fine_tune_loads_fp32_even_from_a_bf16_checkpoint(
    measure: Measure, tmp_path: Path
) -> None:
    # transformers 5 would load this checkpoint in bf16 (dtype follows the config).
    loaded = measure("guards.sft_load_dtypes", str(tmp_path / "lm"))
    assert loaded == {"full": "torch.float32", "lora": "torch.bfloat16"}


def test_on_cpu_both_templates_say_they_train_in_fp32(measure: Measure) -> None:
    said = measure("guards.precisions")
    if said["cuda"]:
        pytest.skip("this machine has a GPU")
    assert said["sft"] == "fp32" and said["grpo"] == "fp32"
    assert "No GPU" in said["printed"]


def test_sft_4bit_without_cuda_stops_with_what_to_do(
    measure: Measure, call_env: dict[str, str], tmp_path: Path
) -> None:
    if measure("guards.precisions")["cuda"]:
        pytest.skip("this machine has a GPU")
    argv = ["--hub-model-id", "alice/x", "--load-in-4bit"]
    done = run_template(SFT, argv, call_env, tmp_path, check=False)
    assert done.returncode != 0
    assert "--load-in-4bit needs a CUDA GPU" in done.stderr, done.stderr[-2000:]


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
    call_env: dict[str, str], tmp_path: Path, argv: list[str], says: str
) -> None:
    base = ["--hub-model-id", "alice/x", "--model-id", "/no/such/model"]
    done = run_template(GRPO, [*base, *argv], call_env, tmp_path, check=False)
    assert done.returncode != 0
    assert says in done.stderr, done.stderr[-2000:]


def test_grpo_eval_batch_follows_the_generations_when_the_train_batch_is_halved(
    measure: Measure,
) -> None:
    halved = ["--per-device-train-batch-size", "4", "--gradient-accumulation-steps", "8"]
    args = measure("guards.grpo_parsed", "--hub-model-id", "alice/x", *halved)
    assert args["per_device_eval_batch_size"] % args["num_generations"] == 0
