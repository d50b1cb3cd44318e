"""What masking costs per MB of tool output and per model call (it runs on every tool result
and on the system prompt before the model).

uv run python bench/masking.py [--max-mb 100]

Figures are CPU time of this process (time.process_time, the median of 3 runs), so other
work on a shared machine does not inflate them; wall time is printed beside. Each line also
says whether the planted secrets were masked and how many ordinary lines changed (false
positives). Bad inputs: 100 MB of log, binary output, a million short lines, a numbered view
(masked through its line prefixes), an environment of thousands of variables, a 4-digit PIN
in the environment.
"""

from __future__ import annotations

import os
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import print_summary

PLANTED = ["hf_" + "xQ" * 17, "Hunter2Hunter2-x9"]


def sample(megabytes: float, seed: int = 0) -> str:
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
    lines.insert(len(lines) // 2, f"HF_TOKEN={PLANTED[0]} DB_PASSWORD={PLANTED[1]}")
    return "\n".join(lines)


def trainer_log(megabytes: float) -> str:
    """What a fine-tuning job prints most: Trainer metric dicts and tqdm bars."""
    rng = random.Random(4)
    lines, size = [], 0
    while size < megabytes * 1_000_000:
        step = len(lines)
        if step % 2:
            line = (
                f"{{'loss': {rng.random():.4f}, 'grad_norm': {rng.random():.3f}, "
                f"'learning_rate': {rng.random() * 1e-4:.3e}, 'epoch': {step / 1e4:.2f}}}"
            )
        else:
            line = f" {step // 100}%|▋   | {step}/100000 [01:02<12:41, 5.76it/s, loss={rng.random():.3f}]"
        lines.append(line)
        size += len(line) + 1
    lines.insert(len(lines) // 2, f"HF_TOKEN={PLANTED[0]} DB_PASSWORD={PLANTED[1]}")
    return "\n".join(lines)


def short_lines(count: int) -> str:
    """A million short lines (`seq`-like), a secret among them."""
    lines = [str(i) for i in range(count)]
    lines[count // 2] = f"HF_TOKEN={PLANTED[0]} DB_PASSWORD={PLANTED[1]}"
    return "\n".join(lines)


def big_env(count: int) -> dict[str, str]:
    """`count` variables, a third of them secret-named, as a CI machine might have."""
    rng = random.Random(1)
    env = {**os.environ, "PIN": "1234"}
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


def timed(label: str, text: str, env: dict[str, str], planted: list[str], runs: int = 3) -> float:
    """The median CPU time of `runs` maskings of `text`."""
    from tools.secrets import mask_secrets

    cpus, walls = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        masked = mask_secrets(text, env)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    cpu, wall = statistics.median(cpus), statistics.median(walls)
    megabytes = len(text.encode("utf-8", errors="replace")) / 1_000_000
    lines = zip(text.splitlines(), masked.splitlines(), strict=False)
    changed = sum(a != b for a, b in lines)
    leaked = [p for p in planted if p in masked]
    print(
        f"{label:<36} {megabytes:6.1f} MB {cpu * 1000 / megabytes:7.1f} ms/MB CPU "
        f"({wall * 1000 / megabytes:6.1f} wall); lines changed: {changed}; "
        f"planted leaked: {len(leaked)}"
    )
    return round(cpu * 1000 / megabytes, 2)


def per_model_call(files: int) -> None:
    """The system prompt's masking with a workspace of `files` files to look through for
    `.env*` and credential files (done before each model call and after each tool call).
    The workspace was written a minute ago, as an existing project is; a folder written
    within the last 2 s is listed again on every call (its mtime may not have moved yet)."""
    from tools.secrets.sources import masked_in, refresh

    prompt = sample(0.02)  # ~20 KB: a system prompt with AGENTS.md and skills
    with tempfile.TemporaryDirectory() as root:
        for i in range(files):
            folder = Path(root) / f"d{i % 50}"
            folder.mkdir(exist_ok=True)
            (folder / f"f{i}.py").write_text("x = 1\n")
        (Path(root) / "d1" / ".env").write_text("API_KEY=Zq8vN2pLx0Rk5TfW7mYc\n")
        a_minute_ago = time.time() - 60
        for folder, _dirs, names in os.walk(root):
            for name in [*names, ""]:
                os.utime(Path(folder, name), (a_minute_ago, a_minute_ago))
        refresh(root)  # the first call reads the files; later ones only stat the folders
        for label in ("", ", one folder just written"):
            if label:
                (Path(root) / "d7" / "new.py").write_text("y = 2\n")
            cpus = []
            for _ in range(20):
                cpu = time.process_time()
                masked_in(root, prompt)
                cpus.append(time.process_time() - cpu)
            print(
                f"per model call ({files} workspace files{label}, 20 KB prompt): "
                f"{statistics.median(cpus) * 1000:.2f} ms CPU (median of 20)"
            )


def small_results(env: dict[str, str]) -> None:
    """Most tool results and every streamed line are short: the cost per call."""
    from tools.secrets import mask_secrets

    line = "{'loss': 0.1234, 'grad_norm': 0.873, 'learning_rate': 2e-05, 'epoch': 0.12}"
    for label, text in (("a 76-character line", line), ("a 5 KB result", (line + "\n") * 66)):
        cpus = []
        for _ in range(200):
            cpu = time.process_time()
            mask_secrets(text, env)
            cpus.append(time.process_time() - cpu)
        print(f"{label}: {statistics.median(cpus) * 1e6:.0f} us CPU per call (median of 200)")


def secret_value(seed: int) -> str:
    return "".join(random.Random(seed).choices(string.ascii_letters + string.digits, k=32))


def main() -> None:
    from tools.secrets import mask_secrets
    from tools.secrets.rules import warm_up

    max_mb = int(sys.argv[sys.argv.index("--max-mb") + 1]) if "--max-mb" in sys.argv else 100
    cpu, wall = time.process_time(), time.perf_counter()
    warm_up()
    print(
        f"rule set load (once per process, Kingfisher's cache warm): "
        f"{time.process_time() - cpu:.2f} s CPU ({time.perf_counter() - wall:.2f} wall)"
    )
    ms_per_mb: dict[str, float] = {}  # CPU ms per MB of output, by input

    def measure(key: str, label: str, text: str, env: dict[str, str], planted: list[str]) -> None:
        ms_per_mb[key] = timed(label, text, env, planted)  # `key`: the recorded figure's name

    env = {**os.environ, "HF_TOKEN": "hf_" + "y" * 34, "PIN": "1234"}
    for megabytes in (m for m in (1, 10, 100) if m <= max_mb):
        measure(
            f"log_{megabytes}mb",
            f"log text {megabytes} MB, {len(env)} env vars",
            sample(megabytes),
            env,
            PLANTED,
        )
    several = {**env, **{f"SERVICE_{i}_TOKEN": secret_value(i) for i in range(10)}}
    measure("log_10_more_values", "log text, 10 more secret values", sample(10), several, PLANTED)
    measure(
        "trainer_log", "trainer log (metrics, tqdm)", trainer_log(min(10, max_mb)), env, PLANTED
    )
    measure("short_lines", "1,000,000 short lines", short_lines(1_000_000), env, PLANTED)
    numbered = "\n".join(f"{n:>6}\t{line}" for n, line in enumerate(sample(1).split("\n"), 1))
    measure("numbered_log", "log numbered as `read` shows it", numbered, env, PLANTED)
    crowded = big_env(5_000)
    cpu = time.process_time()
    mask_secrets("a first line", crowded)
    print(
        f"first masking with {len(crowded)} env vars (builds the automaton): "
        f"{(time.process_time() - cpu) * 1000:.0f} ms CPU"
    )
    measure("log_5000_env_vars", f"log text, {len(crowded)} env vars", sample(1), crowded, PLANTED)
    measure(
        "log_5000_env_vars_again",
        f"log text, {len(crowded)} env vars (again)",
        sample(1, seed=3),
        crowded,
        PLANTED,
    )
    measure(
        "binary_output",
        "binary output",
        binary_output(min(10, max_mb)),
        env,
        ["AKIAQ3EXAMPLE7RT2LMN"],
    )
    small_results(env)
    for files in (100, 5_000):
        per_model_call(files)
    print_summary({"bench": "masking", "cpu_ms_per_mb": ms_per_mb})


if __name__ == "__main__":
    main()
