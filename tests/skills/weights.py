"""How much of a model's weights a training run moved, read from safetensors bytes with numpy
(a test process needs no torch for it: importing torch costs a test worker ~3 s of CPU)."""

from __future__ import annotations

import json
import math
import re

import numpy as np

# safetensors' dtype names, as numpy reads them (BF16, which numpy lacks, is read as float32)
NUMPY_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
    "I8": "i1", "U8": "u1", "BOOL": "?",
}  # fmt: skip


def stored(data: bytes) -> dict[str, tuple[str, np.ndarray]]:
    """Each tensor of a safetensors file: the dtype it is stored in ("F32", "BF16", ...) and
    its values (bfloat16 ones widened to float32, which holds them exactly)."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    body = memoryview(data)[8 + size :]
    found = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        if info["dtype"] == "BF16":
            values = (np.frombuffer(body[begin:end], "<u2").astype(np.uint32) << 16).view("<f4")
        else:
            values = np.frombuffer(body[begin:end], NUMPY_DTYPES[info["dtype"]])
        found[name] = (info["dtype"], values.reshape(info["shape"]))
    return found


def tensors(data: bytes) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file by name (bfloat16 ones as float32)."""
    return {name: values for name, (_, values) in stored(data).items()}


def changed_fraction(before: bytes, after: bytes) -> float:
    """Share of scalar weights (names and shapes in both) whose value differs after training,
    the trained value rounded first to the dtype the weight had before (as torch's `.to`)."""
    old, new = stored(before), stored(after)
    names = [n for n in old if n in new and old[n][1].shape == new[n][1].shape]
    total = sum(old[n][1].size for n in names)
    moved = sum(int((old[n][1] != _as(old[n][0], new[n][1])).sum()) for n in names)
    return moved / total if total else 0.0


def _as(dtype: str, values: np.ndarray) -> np.ndarray:
    """`values` rounded to `dtype`, bfloat16 to the nearest (ties to even) and kept as
    float32, as torch rounds a float32 tensor to bfloat16."""
    if dtype != "BF16":
        return values.astype(NUMPY_DTYPES[dtype])
    bits = values.astype("<f4").view("<u4").astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype("<u4").view("<f4")


def logged_losses(stdout: str) -> list[float]:
    """Every `'loss': x` a Trainer printed as a log line (disable_tqdm=True prints dicts)."""
    return [float(x) for x in re.findall(r"'loss': '?([-+0-9.eE]+|nan|inf)", stdout)]


def all_finite(values: list[float]) -> bool:
    return bool(values) and all(math.isfinite(v) for v in values)
