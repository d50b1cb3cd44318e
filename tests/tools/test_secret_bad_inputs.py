"""The issue's bad inputs for masking: a 100 MB output, a binary blob, a million short lines,
thousands of environment variables. Masking stays correct: the planted secrets go, every other
byte stays. (How fast: bench/masking.py. A `.env` with odd quoting and `export`:
test_secret_masking.py; a 4-digit PIN: test_secrets.py and test_secret_false_positives.py.)"""

from __future__ import annotations

import random
import string

from tools.secrets import mask_secrets, secret_env_names, without_secrets

KEY = "Zq8vN2pLx0Rk5TfW7mYc3HbJ9gDs4AeU"
ENV = {"SERVICE_API_KEY": KEY}
AWS_ID = "AKIAQ3EXAMPLE7RT2LMN"


def test_a_100_mb_output_loses_its_secrets_and_nothing_else() -> None:
    block = "{'loss': 0.4213, 'grad_norm': 1.27, 'learning_rate': 2e-05, 'epoch': 0.51}\n" * 13_400
    half = block * 50  # 2 x 50 x ~1 MB
    shown = f"push with key={KEY} as {AWS_ID}\n"
    masked = mask_secrets(half + shown + half, ENV)
    assert len(half) > 50_000_000
    expected = "push with key=[REDACTED:SERVICE_API_KEY] as [REDACTED:aws-access-key-id]\n"
    assert masked == half + expected + half


def test_a_binary_blob_decoded_as_tools_decode_it_keeps_every_other_character() -> None:
    raw = bytearray(random.Random(2).randbytes(2_000_000))
    raw[1_000_000:1_000_000] = f" {AWS_ID} {KEY} ".encode()
    for errors in ("replace", "surrogateescape"):  # bash output, and a file read as bytes
        text = raw.decode("utf-8", errors=errors)
        masked = mask_secrets(text, ENV)
        before, after = text.split(f" {AWS_ID} {KEY} ")
        assert masked == f"{before} [REDACTED:aws-access-key-id] [REDACTED:SERVICE_API_KEY] {after}"


def test_a_million_short_lines_keep_all_but_the_secret_one() -> None:
    lines = [str(i) for i in range(1_000_000)]
    lines[500_000] = f"HF_TOKEN={KEY}"
    masked = mask_secrets("\n".join(lines), ENV).split("\n")
    assert masked[500_000] == "HF_TOKEN=[REDACTED:SERVICE_API_KEY]"
    assert masked[:500_000] == lines[:500_000] and masked[500_001:] == lines[500_001:]


def test_thousands_of_variables_each_secret_is_masked_and_withheld() -> None:
    rng = random.Random(1)
    env = {f"SETTING_{i}": f"value-{i}" for i in range(4_000)}
    secrets = {
        f"SERVICE_{i}_API_KEY": "".join(rng.choices(string.ascii_letters + string.digits, k=24))
        for i in range(2_000)
    }
    env.update(secrets)
    log = "".join(f"step {i} loss 0.{i:04d} value-{i}\n" for i in range(20_000))
    chosen = [secrets["SERVICE_7_API_KEY"], secrets["SERVICE_1999_API_KEY"]]
    masked = mask_secrets(f"{log}using {chosen[0]} then {chosen[1]}\n{log}", env)
    expected = "using [REDACTED:SERVICE_7_API_KEY] then [REDACTED:SERVICE_1999_API_KEY]\n"
    assert masked == f"{log}{expected}{log}"
    assert set(secrets) <= set(secret_env_names(env))
    assert set(without_secrets(env)) == {f"SETTING_{i}" for i in range(4_000)}
