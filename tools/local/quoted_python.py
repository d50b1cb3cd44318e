"""A `python3 -c '...'` command whose program holds its own quote, offered back as the program
it meant.

The shell ends a quoted program at the next quote of its kind: `python3 -c 'df[df['a'] > 1]'`
hands Python a program cut in pieces, or the shell refuses the line. The program meant is
everything after the opening quote with the last quote of that kind taken out, when only
closing brackets follow it; it is offered as a here-document (which needs no quoting) only when
it compiles and differs from what the shell passed on, so a guess that is not a program is never
shown.

Why: a 1.5B model sent a right pandas filter so, thrice a shell error (docs/lab/2026-11-28.md).
"""

from __future__ import annotations

import re
import shlex

from configs.suggested_paths import python_heredoc
from tools.local.one_line_python import compiles
from tools.result_texts import tool_text
from tools.result_texts.shell import QUOTED_NOTE

_COMMAND = re.compile(r"\s*python(?:3(?:\.\d+)?)?\s+-c\s+(['\"])(.*)\Z", re.DOTALL)
_TAIL = re.compile(r"[\s)\]}]*\Z")
MAX_CODE = 4000  # characters; a longer program is left as it is


def quoted_note(command: str, output: str, exit_code: int | None) -> str:
    """The note for a failed `python3 -c` whose program holds the quote it sits between, with
    the program it meant as a here-document; empty when that is not what failed."""
    if exit_code == 0 or (found := _COMMAND.match(command)) is None:
        return ""
    quote, rest = found.groups()
    last = rest.rfind(quote)
    if last < 0 or len(rest) > MAX_CODE or not _TAIL.match(rest, last + 1):
        return ""
    program = (rest[:last] + rest[last + 1 :]).strip()
    if quote not in program or program == _passed(command) or not compiles(program):
        return ""
    lines = program.split("\n")
    return "\n\n" + tool_text(
        "quoted_python", QUOTED_NOTE, quote=f"`{quote}`", program=python_heredoc(*lines)
    )


def _passed(command: str) -> str | None:
    """The program the shell handed to Python, when the line parses as three words."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return words[2].strip() if len(words) == 3 else None
