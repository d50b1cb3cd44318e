"""Numbered views (`read`, `cat -n`, `grep -n`, our `grep`) are masked as if their line
prefixes were not there, and keep every prefix and line."""

from __future__ import annotations

import base64
import random
import string

import pytest

from tools.secrets import mask_secrets
from tools.secrets.line_prefixes import line_view
from tools.text import numbered

RNG = random.Random(3151)
UNKNOWN = "ghp_" + "".join(RNG.choices(string.ascii_letters + string.digits, k=36))
KNOWN = "".join(RNG.choices(string.ascii_letters + string.digits, k=40))
SOURCE = [
    "import os",
    f'TOKEN = ("{UNKNOWN[:14]}"',
    f'         "{UNKNOWN[14:]}")',
    "# key, folded:",
    KNOWN[:20],
    KNOWN[20:],
    "print(1)",
]


def grep_view(lines: list[str], context: set[int]) -> str:
    sep = {True: "-", False: ":"}
    return "\n".join(
        f"src/push.py{sep[n in context]}{n}{sep[n in context]}{line}"
        for n, line in enumerate(lines, 1)
    )


VIEWS = {
    "read": numbered(SOURCE),
    "cat -n from line 40": numbered(SOURCE, 40),
    "grep with context lines": grep_view(SOURCE, context={1, 3, 6}),
    "grep -n of one file": "\n".join(f"{n}:{line}" for n, line in enumerate(SOURCE, 1)),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_a_split_literal_and_a_folded_value_are_masked_line_by_line(name: str) -> None:
    view = VIEWS[name]
    masked = mask_secrets(view, {"DEPLOY_KEY": KNOWN})
    for secret in (UNKNOWN, KNOWN):
        assert secret[:12] not in masked and secret[-12:] not in masked, masked
    before, after = view.split("\n"), masked.split("\n")
    assert len(after) == len(before)
    kept = [(a, b) for a, b in zip(before, after, strict=True) if "REDACTED" not in b]
    assert [a for a, _ in kept] == [b for _, b in kept]  # untouched lines are byte-identical
    prefixes = [line[: line.index(text)] for line, text in zip(before, SOURCE, strict=True)]
    assert all(line.startswith(p) for line, p in zip(after, prefixes, strict=True))


def test_only_numbered_texts_have_a_view() -> None:
    log = "12:00:01 INFO start\n12:00:01 INFO step 1\n12:00:02 INFO step 2"
    assert line_view(log) is None, "timestamps are not line numbers"
    assert line_view("1:only one numbered line") is None
    assert line_view("plain\ntext") is None
    view = line_view("header\n     7\tfirst\n     8\tsecond")
    assert view is not None and view.text == "header\nfirst\nsecond"


def test_a_wrapped_base64_run_is_one_run_through_read_numbering() -> None:
    settings = f"MODEL=Qwen/Qwen2.5-0.5B\nHF_TOKEN={UNKNOWN}\nEPOCHS=3\n".encode() * 3
    wrapped = base64.encodebytes(settings).decode().rstrip("\n").split("\n")
    masked = mask_secrets(numbered(wrapped), env={})
    assert [line.split("\t")[0] for line in masked.split("\n")] == [
        f"{n:>6}" for n in range(1, len(wrapped) + 1)
    ]
    assert not any(line in masked for line in wrapped), masked
