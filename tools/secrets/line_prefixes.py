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

# `cat -n`, `grep path:N:` (a path has a character other than digits), `grep path-N-`, `N:`
_PREFIX = r"(?: {0,8}(\d{1,9})\t|(?=[^\s:]*?[^\s:\d])[^\s:]{1,300}?(?::(\d{1,9}):|-(\d{1,9})-)|(\d{1,9}):)"
_AT_START = re.compile(_PREFIX)
_HEAD_LINES = 16
_HEAD_CHARS = 8192


@dataclass(frozen=True)
class LineView:
    """`text` is the original without its line prefixes; line `i` of the view starts at
    `starts[i]` there and at `origins[i]` in the original."""

    text: str
    starts: list[int]
    origins: list[int]

    def back(self, spans: list[Span]) -> list[Span]:
        """Spans of the view as spans of the original: one per line a span crosses, trimmed of
        the whitespace at its ends (a line break is never masked, a prefix never)."""
        result: list[Span] = []
        for start, end, label in spans:
            line = bisect.bisect_right(self.starts, start) - 1
            while line < len(self.starts) and self.starts[line] < end:
                piece_start = max(start, self.starts[line])
                piece_end = min(end, self._line_end(line))
                piece = self.text[piece_start:piece_end]
                lead = len(piece) - len(piece.lstrip())
                kept = len(piece.rstrip())
                if kept > lead:
                    shift = self.origins[line] - self.starts[line]
                    result.append((piece_start + lead + shift, piece_start + kept + shift, label))
                line += 1
        return result

    def _line_end(self, line: int) -> int:
        return self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)


def through_prefixes(text: str, find: Callable[[str], list[Span]]) -> list[Span]:
    """What `find` finds in `text`, and in its view without line prefixes if it has one."""
    spans = find(text)
    view = line_view(text)
    return spans + view.back(find(view.text)) if view is not None else spans


def line_view(text: str) -> LineView | None:
    """The view without line prefixes, or None when the text is not numbered (see above)."""
    if not _numbered(text):
        return None
    parts, starts, origins = [], [], []
    kept = origin = 0
    for line in text.split("\n"):
        found = _AT_START.match(line)
        cut = found.end() if found else 0
        starts.append(kept)
        origins.append(origin + cut)
        parts.append(line[cut:])
        kept += len(line) - cut + 1
        origin += len(line) + 1
    return LineView("\n".join(parts), starts, origins)


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
