"""The arithmetic a hardware pick rests on, beside the flavor table for a small model.

Qwen2.5-Coder-1.5B, asked for the cheapest single-GPU flavor that holds a 13B model stored in
bf16, read the model card and the table and answered l4x1 (24 GB) every time: it never turned
13 billion parameters at 2 bytes each into 26 GB (docs/lab, cheapest-hardware).
"""

from __future__ import annotations

WEIGHTS_NOTE = (
    "Weights need parameters x bytes per parameter (fp32 4, bf16/fp16 2, int8 1, 4-bit 0.5): "
    "7B parameters in bf16 are 7 x 2 = 14 GB. A flavor holds them when its GPU memory is larger, "
    "with room to spare for activations; compute the size first, then take the cheapest row "
    "above it."
)
