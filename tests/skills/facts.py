"""Measurements for tests/skills/test_measured_facts.py, made in a template run's process
(tests/skills/call.py `facts`): forked from the zygote that has imported torch and
transformers, a measurement costs ~0.3 s of CPU where importing them in a test worker costs
~20 s. Each returns what the test asserts on, as JSON."""

from __future__ import annotations

from typing import Any


def tiny_qwen(**overrides: object) -> Any:
    """A 2-layer Qwen2ForCausalLM over 256 tokens, seeded."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, **overrides,
    )  # fmt: skip
    torch.manual_seed(0)
    return Qwen2ForCausalLM(config)


def moved_after_adamw(dtype: str, lr: str, steps: str = "3") -> float:
    """Share of weights AdamW changed in `steps` steps at `lr`, weights held in `dtype`
    ("float32", "bfloat16"), computing under bf16 autocast either way."""
    import torch

    model = tiny_qwen().to(getattr(torch, dtype))
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.AdamW(model.parameters(), lr=float(lr))
    ids = torch.randint(0, 256, (4, 32), generator=torch.Generator().manual_seed(1))
    for _ in range(int(steps)):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            model(input_ids=ids, labels=ids).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    moved = sum(int((p != b).sum()) for p, b in zip(model.parameters(), before, strict=True))
    return moved / sum(b.numel() for b in before)


def packed_logits(attention: str) -> dict[str, list]:
    """The logits of a row of 7 tokens alone, and packed after a row of 5: with TRL's
    position_ids (`together`) and without (`leaky`, one sequence), under `attention`."""
    import torch

    model = tiny_qwen(attn_implementation=attention).eval()
    first, second = torch.randint(0, 256, (1, 5)), torch.randint(0, 256, (1, 7))
    packed = torch.cat([first, second], dim=1)
    positions = torch.cat([torch.arange(5), torch.arange(7)])[None]
    with torch.no_grad():
        together = model(input_ids=packed, position_ids=positions, use_cache=False).logits
        alone = model(input_ids=second, use_cache=False).logits
        leaky = model(input_ids=packed, use_cache=False).logits
    return {
        "together": together[0, 5:].tolist(),
        "alone": alone[0].tolist(),
        "leaky": leaky[0, 5:].tolist(),
    }


def warmup_arguments() -> dict[str, Any]:
    """What TrainingArguments says to `warmup_ratio=0.1` (the error's type and message, or
    None), and the warm-up steps of `warmup_steps=0.1` over a 100-step run."""
    from transformers import TrainingArguments

    try:
        TrainingArguments(output_dir="unused", warmup_ratio=0.1)  # type: ignore[call-arg]
        refusal = None
    except Exception as error:  # what the test asserts on
        refusal = [type(error).__name__, str(error)]
    args = TrainingArguments(output_dir="unused", warmup_steps=0.1, max_steps=100)
    return {"warmup_ratio": refusal, "fractional_warmup_steps": args.get_warmup_steps(100)}
