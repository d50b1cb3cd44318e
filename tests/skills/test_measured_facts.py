"""Facts the skills state as measured, re-measured on the pinned libraries with a tiny model."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import torch
if importlib.util.find_spec("torch") is None:
    pytest.skip("torch is not installed", allow_module_level=True)
# torch is imported inside the tests: importing it at collection costs every xdist worker ~1.6 s.


def tiny_qwen(**overrides: object):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, **overrides,
    )  # fmt: skip
    torch.manual_seed(0)
    return Qwen2ForCausalLM(config)


def moved_after_adamw(dtype: torch.dtype, lr: float, steps: int = 3) -> float:
    """Share of weights AdamW changed in `steps` steps, weights held in `dtype`."""
    import torch

    model = tiny_qwen().to(dtype)
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    ids = torch.randint(0, 256, (4, 32), generator=torch.Generator().manual_seed(1))
    for _ in range(steps):
        with torch.autocast("cpu", dtype=torch.bfloat16):  # bf16 compute either way
            model(input_ids=ids, labels=ids).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    moved = sum(int((p != b).sum()) for p, b in zip(model.parameters(), before, strict=True))
    return moved / sum(b.numel() for b in before)


def test_bf16_weights_round_most_adamw_updates_away() -> None:
    """sft-trl, grpo-rl: full fine-tunes keep fp32 master weights under bf16 autocast."""
    import torch

    for lr in (1e-6, 2e-5):  # GRPO's and SFT's default learning rates
        assert moved_after_adamw(torch.float32, lr) > 0.85
        assert moved_after_adamw(torch.bfloat16, lr) < 0.4


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_packed_rows_do_not_attend_to_each_other_without_flash_attention(attention: str) -> None:
    """sft-trl: TRL's bfd packing sends position_ids and no mask; transformers 5 builds a
    block-diagonal mask from them for sdpa and eager too (TRL passes use_cache=False)."""
    import torch

    model = tiny_qwen(attn_implementation=attention).eval()
    first, second = torch.randint(0, 256, (1, 5)), torch.randint(0, 256, (1, 7))
    packed = torch.cat([first, second], dim=1)
    positions = torch.cat([torch.arange(5), torch.arange(7)])[None]
    with torch.no_grad():
        together = model(input_ids=packed, position_ids=positions, use_cache=False).logits
        alone = model(input_ids=second, use_cache=False).logits
        leaky = model(input_ids=packed, use_cache=False).logits  # no position_ids: one sequence
    assert torch.allclose(together[0, 5:], alone[0], atol=1e-4)
    assert not torch.allclose(leaky[0, 5:], alone[0], atol=1e-4)


def test_transformers_5_has_no_warmup_ratio_and_takes_a_fractional_warmup_steps() -> None:
    """sft-trl: warmup_ratio is gone (5.15); warmup_steps < 1 is a fraction of the run."""
    from transformers import TrainingArguments

    with pytest.raises(TypeError, match="warmup_ratio"):
        TrainingArguments(output_dir="unused", warmup_ratio=0.1)  # type: ignore[call-arg]
    args = TrainingArguments(output_dir="unused", warmup_steps=0.1, max_steps=100)
    assert args.get_warmup_steps(100) == 10
