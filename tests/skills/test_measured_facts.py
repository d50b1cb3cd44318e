"""Facts the skills state as measured, re-measured on the pinned libraries with a tiny model.

The measurements run in a template run's process (tests/skills/facts.py, via `measure`): it
is forked from the zygote that has imported torch and transformers, which a test worker
would spend ~20 s of CPU importing itself."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest

from tests.skills.conftest import Measure

if importlib.util.find_spec("torch") is None:
    pytest.skip("torch is not installed", allow_module_level=True)
# A test worker's first template run waits for the zygotes to import the libraries.
pytestmark = pytest.mark.timeout(600)


def test_bf16_weights_round_most_adamw_updates_away(measure: Measure) -> None:
    """sft-trl, grpo-rl: full fine-tunes keep fp32 master weights under bf16 autocast."""
    for lr in ("1e-6", "2e-5"):  # GRPO's and SFT's default learning rates
        assert measure("facts.moved_after_adamw", "float32", lr) > 0.85
        assert measure("facts.moved_after_adamw", "bfloat16", lr) < 0.4


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_packed_rows_do_not_attend_to_each_other_without_flash_attention(
    measure: Measure, attention: str
) -> None:
    """sft-trl: TRL's bfd packing sends position_ids and no mask; transformers 5 builds a
    block-diagonal mask from them for sdpa and eager too (TRL passes use_cache=False)."""
    logits = {
        name: np.array(rows) for name, rows in measure("facts.packed_logits", attention).items()
    }
    assert np.allclose(logits["together"], logits["alone"], atol=1e-4)
    # no position_ids: one sequence, the second row attends to the first
    assert not np.allclose(logits["leaky"], logits["alone"], atol=1e-4)


def test_transformers_5_has_no_warmup_ratio_and_takes_a_fractional_warmup_steps(
    measure: Measure,
) -> None:
    """sft-trl: warmup_ratio is gone (5.15); warmup_steps < 1 is a fraction of the run."""
    said = measure("facts.warmup_arguments")
    assert said["warmup_ratio"] is not None, "TrainingArguments took warmup_ratio"
    kind, message = said["warmup_ratio"]
    assert kind == "TypeError" and re.search("warmup_ratio", message), said
    assert said["fractional_warmup_steps"] == 10
