"""What masking costs per MB of tool output (it runs on every tool result before the model).

uv run python bench/masking.py
"""

from __future__ import annotations

import os
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def sample(megabytes: int, seed: int = 0) -> str:
    """Training-log-like text: metrics, paths, hashes, base64, with a few planted secrets."""
    rng = random.Random(seed)
    lines, size = [], 0
    while size < megabytes * 1_000_000:
        kind = rng.randrange(4)
        if kind == 0:
            line = f"{{'loss': {rng.random():.4f}, 'learning_rate': 2e-05, 'epoch': {rng.random():.2f}}}"
        elif kind == 1:
            line = "sha256 " + "".join(rng.choices("0123456789abcdef", k=64))
        elif kind == 2:
            line = "".join(rng.choices(string.ascii_letters + string.digits + "+/", k=120))
        else:
            line = f"step {rng.randrange(10**6)} eos_token: <|endoftext|> max_new_tokens: 1024"
        lines.append(line)
        size += len(line) + 1
    lines.insert(len(lines) // 2, "HF_TOKEN=hf_" + "x1" * 20 + " DB_PASSWORD=hunter2hunter2")
    return "\n".join(lines)


def main() -> None:
    from tools.secrets import mask_secrets

    env = {**os.environ, "HF_TOKEN": "hf_" + "y" * 34}
    for megabytes in (1, 10):
        text = sample(megabytes)
        start = time.perf_counter()
        masked = mask_secrets(text, env)
        elapsed = time.perf_counter() - start
        changed = sum(a != b for a, b in zip(text.splitlines(), masked.splitlines(), strict=True))
        print(
            f"{megabytes:>3} MB: {elapsed * 1000 / megabytes:7.1f} ms/MB; lines changed: {changed}"
        )


if __name__ == "__main__":
    main()
