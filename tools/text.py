"""Text shaping every tool shares: one cutter, one single-line summary, one numbering."""

from __future__ import annotations

from collections.abc import Iterable


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters (plus a short note), saying how much was left out."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more chars]"


def one_line(text: str, limit: int) -> str:
    """`text` on one line (whitespace collapsed), cut to `limit` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def numbered(lines: Iterable[str], first: int = 1) -> str:
    """Lines formatted like `cat -n`: right-aligned number, tab, text."""
    return "\n".join(f"{n:>6}\t{line}" for n, line in enumerate(lines, start=first))
