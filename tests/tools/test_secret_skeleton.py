"""A known value is masked reversed, re-cased and cut into chunks with any separators; values
too short or too plain to be told apart from ordinary output that way are masked as written."""

from __future__ import annotations

import json
import random
import re
import string

import pytest

from tools.secrets import mask_secrets

RNG = random.Random(5151)
TOKEN = "hf_" + "".join(RNG.choices(string.ascii_letters, k=34))
KEY = "".join(RNG.choices(string.ascii_letters + string.digits, k=40))
ENV = {"HF_TOKEN": TOKEN, "WANDB_API_KEY": KEY}


def chunks(value: str, size: int, separator: str) -> str:
    return separator.join(value[i : i + size] for i in range(0, len(value), size))


def rebuildable(value: str, text: str) -> bool:
    """12 characters of `value` readable in `text`: either direction, any case or separators."""
    shown = re.sub(r"[^a-z0-9]", "", text.lower())
    bare = re.sub(r"[^a-z0-9]", "", value.lower())
    return any(
        bare[i : i + 12] in shown or bare[i : i + 12][::-1] in shown for i in range(len(bare) - 11)
    )


VARIANTS = {
    "reversed": lambda v: v[::-1],
    "upper-cased": str.upper,
    "lower-cased": str.lower,
    "case swapped": str.swapcase,
    **{
        f"{size}-character chunks joined by {sep!r}": (lambda v, s=size, p=sep: chunks(v, s, p))
        for size in (4, 5, 6, 8)
        for sep in (" ", "\n", ", ", "-", " | ", "\t", "::", "_", "\n\n  ")
    },
    "reversed in 5-character chunks, upper-cased": lambda v: chunks(v[::-1].upper(), 5, ","),
    "one character a line, reversed": lambda v: "\n".join(v[::-1]),
    "quoted chunks in a list": lambda v: str([v[i : i + 4] for i in range(0, len(v), 4)]),
    "chunks in a JSON string, escaped line breaks": lambda v: json.dumps(chunks(v, 5, "\n")),
    "chunks in a repr, escaped tabs": lambda v: repr(chunks(v[::-1], 6, "\t")),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
@pytest.mark.parametrize("value", [TOKEN, KEY], ids=["hf token", "alnum key"])
def test_a_known_value_is_masked_in_every_variant(name: str, value: str) -> None:
    shown = VARIANTS[name](value)
    masked = mask_secrets(f"step 12: {shown} done", ENV)
    assert not rebuildable(value, masked), masked
    assert masked.startswith("step 12: ") and masked.endswith(" done"), masked
    assert "[REDACTED:" in masked


def test_what_surrounds_a_chunked_value_stays_and_offsets_survive_other_scripts() -> None:
    text = f"é → naïve 🚀 token: {chunks(TOKEN[::-1], 5, ' - ')} (rotated) ✓"
    masked = mask_secrets(text, ENV)
    assert masked == "é → naïve 🚀 token: [REDACTED:HF_TOKEN] (rotated) ✓"


def test_twenty_three_characters_of_a_value_reversed_are_masked() -> None:
    fragment = KEY[5:28][::-1]
    masked = mask_secrets(f"tail: {fragment}", ENV)
    assert masked == "tail: [REDACTED:WANDB_API_KEY]"


def test_a_short_or_digits_only_value_is_masked_as_written_but_not_through_separators() -> None:
    """A skeleton under 12 characters, or of digits alone, is met by chance once case and
    separators are ignored (`70/1000 [00:12<02:41`): such values are masked only as written."""
    env = {"API_KEY": "Zq8v-N2pL", "ACCOUNT_TOKEN": "9081726354657687"}
    assert mask_secrets("Zq8v-N2pL 9081726354657687", env) == (
        "[REDACTED:API_KEY] [REDACTED:ACCOUNT_TOKEN]"
    )
    plain = "LP2N-V8QZ 9081-7263-5465-7687"
    assert mask_secrets(plain, env) == plain
