"""Text shown with line numbers, seen without them, so that what runs over lines is found.

`read`, `cat -n` and `nl` put `     3\t` before each line; `grep` (ours and GNU's) puts
`path:3:` (a context line `path-3-`, one file `3:`). A token split over two string literals on
two lines, or a known value folded into lines, is one text to a reader of the file but not to a
search over the prefixed view: the line numbers sit between its pieces. `through_prefixes` runs
a search over the text, and again over its view without the prefixes when it has them, and maps
what the view's search found back line by line, each line's piece masked and its prefix kept::

         3\tTOKEN = ([REDACTED:hf-token]
         4\t         [REDACTED:hf-token])

A text has a view when two consecutive lines among its first 16 carry such prefixes with
increasing numbers (a log line starting `12:34:56` is not numbered); most texts are decided by
looking at their first lines only.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from tools.secrets.spans import Span

Find = Callable[[str], list[Span]]
_PREFIX = (
    r"(?: {0,8}(\d{1,9})\t"  # `cat -n`, `read`, `nl`
    r"|(?=[^\s:]*?[^\s:\d])[^\s:]{1,300}?(?::(\d{1,9}):|-(\d{1,9})-)"  # grep `path:N:`, `path-N-`
    r"|(\d{1,9}):)"  # grep of one file, `N:`
)
_AT_START = re.compile(_PREFIX)
_AFTER_BREAK = re.compile(rf"\n{_PREFIX}")
_HEAD_LINES, _HEAD_CHARS = 16, 8192


@dataclass(frozen=True)
class LineView:
    """`text` is `original` without its line prefixes (one regex substitution); where they
    were is worked out only when a search over the view found something."""

    text: str
    original: str

    def back(self, spans: list[Span]) -> list[Span]:
        """Spans of the view as spans of the original: one per line a span crosses, trimmed of
        the whitespace at its ends (a line break is never masked, a prefix never)."""
        if not spans:
            return []
        cut_at, removed = self._cuts()
        result: list[Span] = []
        for start, end, label in spans:
            at = start
            for piece in self.text[start:end].split("\n"):
                lead, kept = len(piece) - len(piece.lstrip()), len(piece.rstrip())
                if kept > lead:
                    line = bisect.bisect_right(cut_at, at + lead) - 1
                    shift = removed[line] if line >= 0 else 0
                    result.append((at + lead + shift, at + kept + shift, label))
                at += len(piece) + 1
        return result

    def _cuts(self) -> tuple[list[int], list[int]]:
        """Where each prefix was, in view offsets, and how many characters were removed up to
        and including it."""
        cut_at, removed, total = [], [], 0
        for found in _AFTER_BREAK.finditer("\n" + self.original):
            start, end = found.start(), found.end() - 1  # in the original, after its line break
            cut_at.append(start - total)
            total += end - start
            removed.append(total)
        return cut_at, removed


def through_prefixes(text: str, find: Find, find_in_view: Find | None = None) -> list[Span]:
    """What `find` finds in `text`, and what `find_in_view` (by default `find`) finds in its
    view without line prefixes, if it has one."""
    spans = find(text)
    view = line_view(text)
    if view is None:
        return spans
    return spans + view.back((find_in_view or find)(view.text))


def line_view(text: str) -> LineView | None:
    """The view without line prefixes, or None when the text is not numbered (see above)."""
    if not _numbered(text):
        return None
    return LineView(_AFTER_BREAK.sub("\n", "\n" + text)[1:], text)


def _numbered(text: str) -> bool:
    """Two consecutive lines of the first 16 numbered, the second number the greater."""
    last = None
    for line in text[:_HEAD_CHARS].split("\n", _HEAD_LINES)[:_HEAD_LINES]:
        found = _AT_START.match(line)
        number = int(next(g for g in found.groups() if g is not None)) if found else None
        if number is not None and last is not None and number > last:
            return True
        last = number
    return False
