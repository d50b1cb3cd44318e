"""Whether a `write` over a file keeps the file: the `kept-lines` rule's check (adaptations/
results.py `KeptLines`), made before the tool replaces the file.

A write is held when the file has at least `MIN_LINES` non-blank lines and the new content keeps
fewer than half of them (a line is kept when the new content holds the same line, spaces at its
ends aside, as often). Only the text the file holds now is read, through the same descriptor
checks as `read` (tools/local/file_checks.py `opened_file`: beneath the workspace, no link
followed, non-blocking), and only for a file of at most `MAX_BYTES`; a file that cannot be read
that way, or is not UTF-8 text, is left to the write itself.

Why: told to set two values, a 1.5B model wrote a config anew as them (docs/lab/2026-12-01.md).
"""

from __future__ import annotations

from collections import Counter

from langchain_core.tools import ToolException

from tools.editor_files import EditorFiles
from tools.local.file_checks import Place, opened_file
from tools.result_texts import tool_text
from tools.result_texts.files import REWRITTEN

MIN_LINES = 5
MAX_BYTES = 1 << 20


def lines_kept(old: str, new: str) -> tuple[int, int]:
    """(of the old text's non-blank lines, how many the new text holds; how many there were)."""
    before = Counter(line.strip() for line in old.splitlines() if line.strip())
    after = Counter(line.strip() for line in new.splitlines() if line.strip())
    return sum((before & after).values()), sum(before.values())


def rewrite_refusal(shown: str, old: str, new: str) -> str | None:
    """The answer to a write of `new` over `old` at `shown` that drops most of its lines, else
    None."""
    kept, total = lines_kept(old, new)
    if total < MIN_LINES or 2 * kept >= total:
        return None
    written = sum(1 for line in new.splitlines() if line.strip())
    return tool_text("kept_lines", REWRITTEN, path=shown, total=total, kept=kept, written=written)


def current_text(place: Place, reader: EditorFiles | None) -> str | None:
    """The text at `place` now (`reader`: the editor that serves it, else the disk), or None
    when there is none to compare: missing, not a regular file, too large, not UTF-8."""
    try:
        if reader is not None:
            return reader.read_text(place.target)
        with opened_file(place, "", MAX_BYTES) as file:
            data = file.read()
        return data.decode("utf-8")
    except (ToolException, OSError, UnicodeDecodeError):
        return None
