"""What masking costs per MB of tool output (it runs on every tool result before the model).

uv run python bench/masking.py [--max-mb 100]

Also the bad inputs: an environment of thousands of variables, binary output (decoded the
way tools decode it) with secret-looking bytes; each line says whether the planted secrets
were masked and how many ordinary lines changed (false positives).
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


def big_env(count: int) -> dict[str, str]:
    """`count` variables, a third of them secret-named, as a CI machine might have."""
    rng = random.Random(1)
    env = dict(os.environ)
    for i in range(count):
        value = "".join(rng.choices(string.ascii_letters + string.digits, k=24))
        env[f"SERVICE_{i}_API_KEY" if i % 3 == 0 else f"SETTING_{i}"] = value
    return env


def binary_output(megabytes: int) -> str:
    """Random bytes with a key id planted, decoded as tools decode output (errors replaced)."""
    rng = random.Random(2)
    raw = bytearray(rng.randbytes(megabytes * 1_000_000))
    raw[len(raw) // 2 : len(raw) // 2 + 22] = b" AKIAQ3EXAMPLE7RT2LMN "
    return raw.decode("utf-8", errors="replace")


def timed(label: str, text: str, env: dict[str, str], planted: list[str]) -> None:
    from tools.secrets import mask_secrets

    start = time.perf_counter()
    masked = mask_secrets(text, env)
    elapsed = time.perf_counter() - start
    megabytes = len(text.encode("utf-8", errors="replace")) / 1_000_000
    lines = zip(text.splitlines(), masked.splitlines(), strict=False)
    changed = sum(a != b for a, b in lines)
    leaked = [p for p in planted if p in masked]
    print(
        f"{label:<34} {megabytes:6.1f} MB {elapsed:7.2f} s {elapsed * 1000 / megabytes:7.1f} "
        f"ms/MB; lines changed: {changed}; planted leaked: {len(leaked)}"
    )


def main() -> None:
    max_mb = int(sys.argv[sys.argv.index("--max-mb") + 1]) if "--max-mb" in sys.argv else 100
    env = {**os.environ, "HF_TOKEN": "hf_" + "y" * 34}
    planted = ["hf_" + "x1" * 20, "hunter2hunter2"]
    for megabytes in (m for m in (1, 10, 100) if m <= max_mb):
        timed(f"log text, {len(env)} env vars", sample(megabytes), env, planted)
    crowded = big_env(5_000)
    timed(f"log text, {len(crowded)} env vars", sample(1), crowded, planted)
    timed("binary output", binary_output(min(10, max_mb)), env, ["AKIAQ3EXAMPLE7RT2LMN"])


if __name__ == "__main__":
    main()
