"""A `python3 -c` one-liner that Python refuses, offered back as the program it meant.

A `with`, `for` or `if` cannot follow `;` on one line; the same statements on lines of their
own, as a here-document, are the program it meant.

Why: a 1.5B model resent a SyntaxError one-liner (docs/lab/2026-11-25.md, token-count).
"""

from __future__ import annotations

import io
import re
import shlex
import tokenize
from pathlib import PurePath

from configs.suggested_paths import python_heredoc
from tools.result_texts import tool_text
from tools.result_texts.shell import ONE_LINE_NOTE

_PYTHON = re.compile(r"python(?:3(?:\.\d+)?)?")
_COMPOUND = re.compile(r"(?:async\s+)?(with|for|while|if|try|def|class)\b")
_OPENERS, _CLOSERS = "([{", ")]}"
MAX_CODE = 4000  # characters; a longer one-liner is left as it is


def one_line_note(command: str, output: str, exit_code: int | None) -> str:
    """The note for a failed `python3 -c` (its `output` and `exit_code`) whose one line holds a
    compound statement after `;`, with the program split into lines; empty when that is not
    what failed."""
    if "SyntaxError" not in output or exit_code == 0:
        return ""
    code = _one_liner(command)
    split = _split(code) if code else None
    if split is None:
        return ""
    keyword, lines = split
    program = python_heredoc(*lines)
    return "\n\n" + tool_text("one_line_python", ONE_LINE_NOTE, keyword=keyword, program=program)


def _one_liner(command: str) -> str | None:
    """The code of a command that is only `python3 -c CODE`, on one line."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if len(words) != 3 or not _PYTHON.fullmatch(PurePath(words[0]).name) or words[1] != "-c":
        return None
    code = words[2].strip()
    return code if code and "\n" not in code and len(code) <= MAX_CODE else None


def _split(code: str) -> tuple[str, list[str]] | None:
    """The compound statement's keyword and the program's lines: the statements before it,
    its header, and everything after its colon as its body; None unless that compiles and
    Python refused the one line."""
    statements = _statements(code)
    for i, statement in enumerate(statements):
        compound = _COMPOUND.match(statement)
        if compound is None or i == 0:
            continue
        colon = _header_end(statement)
        if colon is None:
            return None
        body = [statement[colon + 1 :].strip(), *statements[i + 1 :]]
        if not body[0] or any(_COMPOUND.match(line) for line in body):
            return None
        lines = [*statements[:i], statement[: colon + 1], *(f"    {line}" for line in body)]
        return (compound.group(1), lines) if compiles("\n".join(lines)) else None
    return None


def _statements(code: str) -> list[str]:
    """`code` cut at each `;` outside brackets and strings, each part stripped."""
    cuts = [i for i, text in _top_level_ops(code) if text == ";"]
    parts, start = [], 0
    for cut in cuts:
        parts.append(code[start:cut].strip())
        start = cut + 1
    parts.append(code[start:].strip())
    return [part for part in parts if part]


def _header_end(statement: str) -> int | None:
    """Where the first `:` outside brackets and strings is (a header's end)."""
    return next((i for i, text in _top_level_ops(statement) if text == ":"), None)


def _top_level_ops(code: str) -> list[tuple[int, str]]:
    """The operators outside brackets and strings, with their offsets in `code`."""
    ops: list[tuple[int, str]] = []
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type != tokenize.OP:
                continue
            depth += (token.string in _OPENERS) - (token.string in _CLOSERS)
            if depth == 0 and token.string in ";:":
                ops.append((token.start[1], token.string))
    except (tokenize.TokenError, SyntaxError):
        return []
    return ops


def compiles(program: str) -> bool:
    """`program` is Python that compiles."""
    try:
        compile(program, "<one-liner>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True
