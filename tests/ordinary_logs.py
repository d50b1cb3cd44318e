"""Long ML logs with no secret in them, as an agent sees them all day: masking through case,
separators and line numbers (tools/secrets/skeleton.py, line_prefixes.py) must leave each byte
for byte. Full of what runs letters and digits together once separators are ignored: numbers,
hex hashes, base64, progress bars, version strings, line-numbered views."""

from __future__ import annotations

import base64
import random
import string
import textwrap

HEX = "0123456789abcdef"
B64 = string.ascii_letters + string.digits + "+/"


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


def ordinary_logs(rng: random.Random) -> dict[str, str]:
    """A name for each log, then the text (each a few KB)."""
    return {
        "training-run-log": _training_log(rng),
        "tqdm-bars": _tqdm_bars(rng),
        "pip-install": _pip_install(rng),
        "hex-hash-listing": "\n".join(
            f"{_r(rng, HEX, 64)}  shard-{i:05d}-of-00128.arrow" for i in range(60)
        ),
        "git-log-oneline": "\n".join(
            f"{_r(rng, HEX, 7)} {rng.choice(['Fix', 'Add', 'Bump'])} {rng.choice(['lr', 'eval', 'deps'])}"
            for _ in range(60)
        ),
        "base64-blobs": "\n".join(
            textwrap.fill(base64.b64encode(rng.randbytes(900)).decode(), 76) for _ in range(4)
        ),
        "token-ids": "input_ids: ["
        + ", ".join(str(rng.randrange(152_000)) for _ in range(800))
        + "]",
        "read-numbered-script": "\n".join(
            f"{n:>6}\t{line}" for n, line in enumerate(_script(rng).split("\n"), start=1)
        ),
        "grep-numbered-config": "\n".join(
            f"configs/sft.yaml:{n}:{line}" for n, line in enumerate(_config(rng), start=3)
        ),
        "eval-table": _eval_table(rng),
    }


def _training_log(rng: random.Random) -> str:
    lines = [
        "2024-10-01 12:00:01,004 - INFO - accelerate.utils.modeling - We will use 90% of the memory",
        "[2024-10-01 12:00:03,551] [INFO] [real_accelerator.py:203:get_accelerator] Setting ds_accelerator to cuda",
        "***** Running training *****\n  Num examples = 51,760\n  Num Epochs = 3\n"
        "  Total train batch size (w. parallel, distributed & accumulation) = 64\n"
        "  Total optimization steps = 2,427\n  Number of trainable parameters = 8,798,208",
    ]
    for step in range(10, 600, 10):
        stamp = f"2024-10-01 12:{step // 60:02d}:{step % 60:02d},{rng.randrange(1000):03d}"
        lines.append(
            f"{stamp} - INFO - __main__ - step {step}/2427 loss={rng.random() * 2:.4f} "
            f"grad_norm={rng.random() * 5:.3f} lr={rng.random() * 1e-4:.3e} "
            f"tokens/s={rng.randrange(10_000, 99_999)} mem={rng.randrange(20_000, 80_000)}MiB"
        )
    lines.append(
        f"Saving model checkpoint to out/checkpoint-600\nwandb: Synced 5 W&B file(s), 0 media "
        f"file(s), 2 artifact file(s)\nwandb: Find logs at: ./wandb/run-20241001_120001-{_r(rng, string.ascii_lowercase + string.digits, 8)}/logs"
    )
    return "\n".join(lines)


def _tqdm_bars(rng: random.Random) -> str:
    bars = []
    for i in range(40):
        done = rng.randrange(1, 1000)
        bars.append(
            f"Map (num_proc=8): {done // 10:3d}%|{'█' * (done // 100)}{'▌' if done % 2 else ''}"
            f"{' ' * (10 - done // 100)}| {done * 52}/51760 [00:{i:02d}<00:{rng.randrange(60):02d}, "
            f"{rng.random() * 9999:.2f} examples/s]"
        )
    bars.append(
        "model-00001-of-00004.safetensors: 100%|██████████| 4.98G/4.98G [00:41<00:00, 121MB/s]\n"
        "Fetching 12 files: 100%|██████████| 12/12 [00:43<00:00,  3.62s/it]\n"
        "Loading checkpoint shards: 100%|██████████| 4/4 [00:05<00:00,  1.31s/it]"
    )
    return "\n".join(bars)


def _pip_install(rng: random.Random) -> str:
    packages = [
        "torch-2.5.1",
        "transformers-4.46.2",
        "accelerate-1.1.1",
        "peft-0.13.2",
        "trl-0.12.1",
    ]
    lines = []
    for package in packages:
        name, version = package.split("-")
        lines += [
            f"Collecting {name}=={version}",
            f"  Downloading {name}-{version}-py3-none-any.whl.metadata ({rng.randrange(2, 40)}.{rng.randrange(10)} kB)",
            f"  Downloading {name}-{version}-cp311-cp311-manylinux_2_17_x86_64.whl ({rng.randrange(1, 900)}.{rng.randrange(10)} MB)",
            f"     ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ {rng.randrange(1, 900)}.4/906.4 MB 52.1 MB/s eta 0:00:00",
            f"  Stored in directory: /root/.cache/pip/wheels/{_r(rng, HEX, 2)}/{_r(rng, HEX, 2)}/{_r(rng, HEX, 56)}",
            f"{name}=={version} --hash=sha256:{_r(rng, HEX, 64)}",
        ]
    lines.append("Successfully installed " + " ".join(packages) + " nvidia-cublas-cu12-12.4.5.8")
    lines.append(
        "Resolved 64 packages in 1.21s\nInstalled 64 packages in 312ms\n + torch==2.5.1+cu124"
    )
    return "\n".join(lines)


def _script(rng: random.Random) -> str:
    return "\n".join(
        [
            "from trl import SFTConfig, SFTTrainer",
            "",
            "config = SFTConfig(",
            '    output_dir="out",',
            f'    run_name="sft-{_r(rng, HEX, 8)}",',
            "    learning_rate=2e-5,",
            '    report_to=("wandb"',
            '               "")  # joined literals, no secret',
            '    hub_model_id="org/" + "qwen-sft",',
            ")",
            f'SEED_HASH = "{_r(rng, HEX, 40)}"',
            f'EXAMPLE = ("{_r(rng, string.ascii_lowercase, 14)}"\n         "{_r(rng, string.ascii_lowercase, 14)}")',
        ]
    )


def _config(rng: random.Random) -> list[str]:
    return [
        "model_name_or_path: Qwen/Qwen2.5-0.5B-Instruct",
        f"dataset_revision: {_r(rng, HEX, 40)}",
        "max_seq_length: 4096",
        '  - "trl-lib/Capybara"',
        '  - "HuggingFaceH4/ultrachat_200k"',
        f"seed: {rng.randrange(10**9)}",
    ]


def _eval_table(rng: random.Random) -> str:
    rows = ["|    Tasks    |Version|Filter|n-shot|Metric|   |Value |   |Stderr|"]
    rows.append("|-------------|------:|------|-----:|------|---|-----:|---|-----:|")
    for task in ["gsm8k", "arc_easy", "hellaswag", "mmlu", "truthfulqa_mc2", "winogrande"]:
        rows.append(
            f"|{task:<13}|      1|none  |     5|acc   |↑  |{rng.random():.4f}|±  |{rng.random() / 50:.4f}|"
        )
    return "\n".join(rows)
