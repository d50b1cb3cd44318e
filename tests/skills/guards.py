"""The templates' guards called in a template run's process (tests/skills/call.py `guards`),
for tests/skills/test_template_guards.py: forked from the zygote that has imported torch,
transformers and TRL, a call costs well under a second of CPU where importing the templates
in a test worker costs ~20 s. Each returns what the test asserts on, as JSON."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path
from typing import Any

from tests.skills import tiny
from tests.skills.call import template

SKILLS = Path(__file__).resolve().parents[2] / "skills"
SFT = SKILLS / "sft-trl" / "train_sft.py"
GRPO = SKILLS / "grpo-rl" / "train_grpo.py"


def grpo_weights_dtype(precision: str, lora: str) -> str:
    """The GRPO template's `weights_dtype(precision, lora)`, `lora` "lora" or "full"."""
    return template(GRPO).weights_dtype(precision, lora == "lora")


def sft_load_dtypes(folder: str) -> dict[str, str]:
    """The dtype the SFT template's `load_model` gives a full fine-tune and a LoRA base under
    bf16, from a tiny checkpoint (built in `folder`) saved in bf16."""
    import torch
    from transformers import AutoModelForCausalLM

    sft = template(SFT)
    lm = tiny.causal_lm_dir(Path(folder))
    AutoModelForCausalLM.from_pretrained(lm).to(torch.bfloat16).save_pretrained(lm)
    namespace = argparse.Namespace(model_id=str(lm), attn_implementation=None, load_in_4bit=False)
    return {
        "full": str(sft.load_model(namespace, "bf16", use_lora=False).dtype),
        "lora": str(sft.load_model(namespace, "bf16", use_lora=True).dtype),
    }


def precisions() -> dict[str, Any]:
    """Whether CUDA is visible, what each template's `choose_precision` returns, and what
    they printed."""
    import torch

    sft, grpo = template(SFT), template(GRPO)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        chosen = {"sft": sft.choose_precision(), "grpo": grpo.choose_precision()}
    return {"cuda": torch.cuda.is_available(), **chosen, "printed": out.getvalue()}


def grpo_parsed(*argv: str) -> dict[str, Any]:
    """The GRPO template's arguments as its `parse_args` reads `train_grpo.py ARGV`."""
    sys.argv = ["train_grpo.py", *argv]
    return vars(template(GRPO).parse_args())
