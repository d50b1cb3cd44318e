"""The arithmetic a hardware pick rests on, beside the flavor table for a small model.

Why: a 1.5B model picked l4x1 (24 GB) for 26 GB of weights (docs/lab/2026-11-25.md).
"""

from __future__ import annotations

WEIGHTS_NOTE = (
    "Weights need parameters x bytes per parameter (fp32 4, bf16/fp16 2, int8 1, 4-bit 0.5): "
    "7B parameters in bf16 are 7 x 2 = 14 GB. A flavor holds them when its GPU memory is larger, "
    "with room to spare for activations; compute the size first, then take the cheapest row "
    "above it."
)
