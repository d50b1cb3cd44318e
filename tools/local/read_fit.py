"""What a small-window model sees of a file too large for its window: the head, the tail, the
file's size and a concrete next step (a `grep`, a python one-liner), instead of all of it.

Sizes are rough tokens: digits count one each (Qwen and Llama tokenizers split numbers into
digits), words and punctuation one each; within ~15% of Qwen's own count on the benchmark's
files.

Why: a 1.5B model read a 60 kB settings.ini whole three times (docs/lab/2026-11-25.md, long-file).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from configs.suggested_paths import for_shell, plain, python_heredoc
from tools.result_texts import tool_text
from tools.result_texts.files import (
    ANY_PATH,
    BYTES,
    JSON_KEYS,
    JSON_LOAD,
    JSON_STEP,
    KB,
    READ_CUT,
    TAB_SEP,
    TABLE_LOAD,
    TABLE_PRINT,
    TABLE_STEP,
    TEXT_STEP,
)
from tools.text import numbered

_PIECES = re.compile(r"\d|[^\W\d_]+|[^\w\s]|_")
_TABLES = {".csv": ",", ".tsv": "\t"}


def rough_tokens(text: str) -> int:
    """About how many tokens `text` is for a small model's tokenizer."""
    return len(_PIECES.findall(text))


@dataclass(frozen=True)
class Page:
    """What one `read` would show: `lines` numbered from `first`, of the file's `total` lines
    and `size` bytes, `shown` its path as the model gave it; `ending` the file's last lines
    when it was read from its start for a model that may be shown less (else empty)."""

    shown: str
    lines: list[str]
    first: int
    total: int
    size: int
    ending: Sequence[str] = ()

    def fitted(self, budget: int) -> str | None:
        """This page cut to `budget` rough tokens (`fitted`), or None when it fits."""
        return fitted(
            self.shown, self.lines, self.first, self.total, self.size, budget, self.ending
        )


def fitted(
    shown: str,
    lines: list[str],
    first: int,
    total: int,
    size: int,
    budget: int,
    ending: Sequence[str] = (),
) -> str | None:
    """`lines` (numbered from `first`, of `total`) cut to `budget` rough tokens, with the
    note that says how to search the file instead; None when they already fit. The tail
    shown is the last of `ending` (the file's last lines) if given, else of `lines`."""
    if rough_tokens("\n".join(lines)) + len(lines) * 2 <= budget:  # +2: each line's number
        return None
    head = _take(lines, budget // 2)
    last_head = first + len(head) - 1
    source, end = (ending, total) if ending else (lines, first + len(lines) - 1)
    room = min(len(source), end - last_head)  # never a line the head already shows
    tail = _take(list(source[len(source) - room :])[::-1], budget // 5)[::-1]
    first_tail = end - len(tail) + 1
    parts = [numbered(head, first), cut_note(shown, total, size, last_head, first_tail)]
    if tail:
        parts.append(numbered(tail, first_tail))
    return "\n".join(parts)


def cut_note(shown: str, total: int, size: int, last_head: int, first_tail: int) -> str:
    """Where the cut is, how large the file is, and what to call instead of reading on."""
    return tool_text(
        "read_fit",
        READ_CUT,
        first=last_head + 1,
        last=first_tail - 1,
        path=shown,
        total=total,
        size=_kb(size),
        next_step=next_step(shown),
    )


def next_step(shown: str) -> str:
    """A concrete call for this kind of file: count with pandas, load JSON, or grep."""
    path = repr(shown) if plain(shown) else tool_text("read_fit", ANY_PATH)
    suffix = PurePath(shown).suffix.lower()
    if suffix in _TABLES:
        sep = "" if suffix == ".csv" else tool_text("read_fit", TAB_SEP)
        load = tool_text("read_fit", TABLE_LOAD, path=path, sep=sep)
        program = python_heredoc(load, tool_text("read_fit", TABLE_PRINT))
        return tool_text("read_fit", TABLE_STEP, program=program)
    if suffix == ".json":
        load = tool_text("read_fit", JSON_LOAD, path=path)
        program = python_heredoc(load, tool_text("read_fit", JSON_KEYS))
        return tool_text("read_fit", JSON_STEP, program=program)
    return tool_text("read_fit", TEXT_STEP, path=shown, quoted=for_shell(shown))


def _take(lines: list[str], budget: int) -> list[str]:
    """The leading lines of `lines` whose rough tokens fit in `budget`."""
    kept: list[str] = []
    spent = 0
    for line in lines:
        spent += rough_tokens(line) + 2
        if spent > budget:
            break
        kept.append(line)
    return kept


def _kb(size: int) -> str:
    if size >= 1000:
        return tool_text("read_fit", KB, kb=size / 1000)
    return tool_text("read_fit", BYTES, size=size)
