"""How much of a model's weights a training run moved, read from safetensors bytes."""

from __future__ import annotations

import math
import re


def changed_fraction(before: bytes, after: bytes) -> float:
    """Share of scalar weights (names and shapes in both) whose value differs after training."""
    from safetensors.torch import load

    old, new = load(before), load(after)
    names = [n for n in old if n in new and old[n].shape == new[n].shape]
    total = sum(old[n].numel() for n in names)
    moved = sum(int((old[n] != new[n].to(old[n].dtype)).sum()) for n in names)
    return moved / total if total else 0.0


def logged_losses(stdout: str) -> list[float]:
    """Every `'loss': x` a Trainer printed as a log line (disable_tqdm=True prints dicts)."""
    return [float(x) for x in re.findall(r"'loss': '?([-+0-9.eE]+|nan|inf)", stdout)]


def all_finite(values: list[float]) -> bool:
    return bool(values) and all(math.isfinite(v) for v in values)
