"""Secrets in any shape are masked before anything leaves the thread."""

from __future__ import annotations

import pytest

from tools.secrets import MASK, redact, redact_data

PLANTED = [
    "hf_abcdefghijklmnopqrstuvwxyz123456",
    "sk-ant-api03-abcdefghijklmnop_qrstuvwx",
    "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
    "sk-abcdefghijklmnopqrstuvwx",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "github_pat_11ABCDEFG0abcdefghijklmnopqrstu",
    "xoxb-1234567890-abcdefghijklmnop",
    "AKIAIOSFODNN7EXAMPLE",
]


@pytest.mark.parametrize("secret", PLANTED)
def test_known_token_shapes_are_masked(secret: str) -> None:
    text = f"the key is {secret}, keep it safe"
    assert secret not in redact(text, env={})
    assert MASK in redact(text, env={})


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer "),
        ("export WANDB_API_KEY=0123456789abcdef", "export WANDB_API_KEY="),
        ('{"db_password": "hunter22hunter"}', '{"db_password": "'),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG", "aws_secret_access_key = "),
    ],
)
def test_bearer_and_secret_looking_pairs_keep_the_name_and_lose_the_value(
    text: str, kept: str
) -> None:
    redacted = redact(text, env={})
    assert redacted.startswith(kept)
    assert MASK in redacted
    assert text.split(kept, 1)[1].strip('"} ') not in redacted


def test_values_of_secret_env_vars_in_use_are_masked_whatever_their_shape() -> None:
    env = {
        "HF_TOKEN": "plain-looking-value-123",
        "MY_SERVICE_TOKEN": "another-secret-xyz",
        "HOME": "/root",
    }
    redacted = redact("a plain-looking-value-123 and another-secret-xyz in /root", env=env)
    assert "plain-looking-value-123" not in redacted and "another-secret-xyz" not in redacted
    assert "/root" in redacted  # only secret variables count


def test_ordinary_text_is_untouched() -> None:
    text = "Fine-tuned bert-base-uncased on imdb: accuracy 0.93, loss 0.21. See task-sk-1 notes."
    assert redact(text, env={}) == text


def test_nested_data_is_redacted_everywhere() -> None:
    data = {"messages": [{"content": "token hf_abcdefghijklmnopqrstuvwxyz123456"}], "n": 3}
    out = redact_data(data, env={})
    assert "hf_abc" not in str(out) and out["n"] == 3
