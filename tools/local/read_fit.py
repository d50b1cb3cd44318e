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
from pathlib import PurePath

from configs.suggested_paths import for_shell, plain, python_heredoc
from tools.text import numbered

_PIECES = re.compile(r"\d|[^\W\d_]+|[^\w\s]|_")
_TABLES = {".csv": ",", ".tsv": "\t"}


def rough_tokens(text: str) -> int:
    """About how many tokens `text` is for a small model's tokenizer."""
    return len(_PIECES.findall(text))


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
    hidden = f"lines {last_head + 1}-{first_tail - 1}"
    return (
        f"[... {hidden} of {shown} not shown: the file ({total:,} lines, {_kb(size)}) is too "
        f"large to read whole in your context window. Search it instead: {next_step(shown)}]"
    )


def next_step(shown: str) -> str:
    """A concrete call for this kind of file: count with pandas, load JSON, or grep."""
    path = repr(shown) if plain(shown) else "'PATH'"
    suffix = PurePath(shown).suffix.lower()
    if suffix in _TABLES:
        sep = "" if suffix == ".csv" else ", sep='\\t'"
        load = f"import pandas as pd\ndf = pd.read_csv({path}{sep})"
        return (
            "to count or compute, run with `bash` "
            f"{python_heredoc(load, 'print(len(df), df.head())')}\n"
            "changing the print to what you need; to find a value, `grep` it."
        )
    if suffix == ".json":
        load = f"import json\nd = json.load(open({path}))"
        keys = "print(list(d)[:20] if isinstance(d, dict) else len(d))"
        return (
            f"to see its keys, run with `bash` {python_heredoc(load, keys)}\n"
            "then print the part you need; to find a value, `grep` it."
        )
    return (
        f"`grep` with `pattern` set to the name or word you need and `path` {shown}; "
        f"the last lines: `bash` with tail -n 20 {for_shell(shown)}."
    )


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
    return f"{size / 1000:,.1f} kB" if size >= 1000 else f"{size} bytes"
