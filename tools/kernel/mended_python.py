"""Python that the compiler refuses for one mechanical slip, mended the one way it can be.

A small model's programs fail on slips a reader fixes without thinking, and it sends the same
program again: a bracket left open at the end of a line (`print(df[df.a > 1].shape[0]`),
compound statements written on one line (`for x in xs: if x: print(x)`), a line break inside a
one-line string (the `\\n` of its JSON taken as a line break). Each mend follows the
compiler's own error, adds only brackets, line breaks, indentation or a `\\n` escape (no word
is added or removed), and is kept only when the whole program then compiles: a program the
compiler refuses for any other reason, or that one of these mends does not make whole, is
left as it is.

>>> from tools.kernel.compiler_reason import kernel_refusal
>>> found = mended("x = [1, 2\\nprint(sum(x)", kernel_refusal)
>>> print(found.code)
x = [1, 2]
print(sum(x))
>>> found.changes
('`)` added at the end of line 2', '`]` added at the end of line 1')
"""

from __future__ import annotations

import io
import itertools
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass

from tools.kernel.compiler_reason import COMPILE_CHARS, kernel_compile

# How many slips one program may have mended (each compile after a mend finds the next).
MAX_MENDS = 4
CLOSERS = {"(": ")", "[": "]", "{": "}"}
# A line whose code ends so reads on into the next one.
_READS_ON = (",", "(", "[", "{", "\\", "+", "-", "*", "/", "%", "&", "|", "^", "=", "<", ">", ".")
# Statements that open a block, the ones a one-line compound statement puts after a colon.
_COMPOUND = frozenset({"if", "for", "while", "with", "try", "def", "class", "async"})
# The clauses that continue a block statement at its own indentation.
_CONTINUED = frozenset({"else", "elif", "except", "finally"})
_NEVER_CLOSED = re.compile(r"'([(\[{])' was never closed")
_UNTERMINATED = "unterminated string literal"
_UNTERMINATED_F = "unterminated f-string literal"
# A raw string's opening: `r'`, `Rb"`, `fr'`, not a name's last letter.
_RAW = re.compile(r"(?<![\w])(?:[rR][bBfF]?|[bBfF][rR])['\"]")

Refused = Callable[[str], SyntaxError | None]


@dataclass(frozen=True)
class Mend:
    """The program as it runs, and what was changed, line by line, in the model's words."""

    code: str
    changes: tuple[str, ...]


def mended(code: str, refused: Refused) -> Mend | None:
    """`code` with the slips its compiler error names mended, when it then compiles
    (`refused(code)`: the error, None when it compiles or is not judged); None when it
    compiles as it is, or is refused for another reason. A cell magic (`%%`) is left alone:
    its body is not Python."""
    if code.lstrip().startswith("%%") or (error := refused(code)) is None:
        return None
    changes: list[str] = []
    for _ in range(MAX_MENDS):
        step = _mend_once(code, error)
        if step is None:
            return None
        code, change = step
        changes.append(change)
        if len(code) > COMPILE_CHARS:  # past what `refused` judges: its None says nothing
            return None
        if (error := refused(code)) is None:
            return None if _doubtful(code) else Mend(code, tuple(changes))
    return None


def _doubtful(code: str) -> bool:
    """Python's compiler warns that the mended code calls or indexes a literal ("perhaps you
    missed a comma?"): the bracket closed where the line ends built another program than the
    one meant (`(lambda y: y + 1(2))` for `(lambda y: y + 1)(2)`)."""
    return any("missed a comma" in message for message in kernel_compile(code)[1])


def _mend_once(code: str, error: SyntaxError) -> tuple[str, str] | None:
    lines = code.split("\n")
    # IPython drops a cell's leading blank lines before compiling it: the error's line counts
    # from the first line with code.
    number = (error.lineno or 0) + next((i for i, line in enumerate(lines) if line.strip()), 0)
    if not 1 <= number <= len(lines):
        return None
    message = str(error.msg)
    if _NEVER_CLOSED.search(message):
        return _closed(lines, number)
    if message.startswith(_UNTERMINATED) or message.startswith(_UNTERMINATED_F):
        return _joined(lines, number)
    return _split(lines, number)


def _closed(lines: list[str], number: int) -> tuple[str, str] | None:
    """The brackets line `number` opens and leaves open, closed at the end of its code (before
    a comment); not where the line reads on (it ends in `,`, an operator or an opener, or the
    next line is indented under it): there the brackets span lines and end elsewhere."""
    line = lines[number - 1]
    opened, end = _open_brackets(line)
    code = line[:end].rstrip()
    if not opened or code.endswith(_READS_ON) or _indented_under(lines, number):
        return None
    closers = "".join(CLOSERS[b] for b in reversed(opened))
    lines[number - 1] = code + closers + line[len(code) :]
    return "\n".join(lines), f"`{closers}` added at the end of line {number}"


def _indented_under(lines: list[str], number: int) -> bool:
    """The next non-blank line after line `number` is indented deeper than it."""
    depth = len(lines[number - 1]) - len(lines[number - 1].lstrip())
    later = next((line for line in lines[number:] if line.strip()), None)
    return later is not None and len(later) - len(later.lstrip()) > depth


def _open_brackets(line: str) -> tuple[list[str], int]:
    """The brackets `line` leaves open, in order, and where its code ends (a `#` comment's
    start, else its length); no brackets when a string in it does not end on it."""
    opened: list[str] = []
    quote, i = "", 0
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\":
                i += 1
            elif line.startswith(quote, i):
                i += len(quote) - 1
                quote = ""
        elif char in "'\"":
            quote = char * 3 if line.startswith(char * 3, i) else char
            i += len(quote) - 1
        elif char == "#":
            return opened, i
        elif char in CLOSERS:
            opened.append(char)
        elif char in CLOSERS.values():
            if not opened or CLOSERS[opened[-1]] != char:
                return [], len(line)
            opened.pop()
        i += 1
    return ([], len(line)) if quote else (opened, len(line))


def _joined(lines: list[str], number: int) -> tuple[str, str] | None:
    """A one-line string that starts on line `number` and runs past the line's end: the line
    break made the `\\n` escape it was meant to be; not on a line with a raw string, where
    `\\n` is two characters (the error's column counts in IPython's rewriting of the cell,
    dedented, so it does not say which string on the line is left open)."""
    line = lines[number - 1]
    if number >= len(lines) or _RAW.search(line):
        return None
    lines[number - 1 : number + 1] = [line + "\\n" + lines[number]]
    return "\n".join(lines), f"the line break after line {number} written `\\n` in its string"


def _split(lines: list[str], number: int) -> tuple[str, str] | None:
    """A line holding a block statement after another's colon (`for x in xs: if x: ...`), or
    after a `;`, written as one statement a line, each block's body indented under it."""
    line = lines[number - 1]
    indent = len(line) - len(line.lstrip())
    margin, code = line[:indent], line.lstrip()
    cuts = _statement_cuts(code)
    if not any(block for _, _, block in cuts):
        return None
    parts, level, start = [], indent, 0
    for at, deeper, _ in cuts:
        kept = at + 1 if code[at] == ":" else at  # a header keeps its colon, a `;` goes
        parts.append(margin + " " * (level - indent) + code[start:kept].strip())
        level = max(indent, level + deeper)
        start = at + 1
    parts.append(margin + " " * (level - indent) + code[start:].strip())
    lines[number - 1 : number] = parts
    return "\n".join(lines), f"line {number} written as {len(parts)} lines, one statement each"


def _statement_cuts(line: str) -> list[tuple[int, int, bool]]:
    """Where `line` (no indentation) ends a statement or a block's header on it: each cut's
    column (its `:` or `;`), how far the next statement is indented beyond this one (4 after
    a header, -4 before `else`/`elif`/`except`/`finally`, else 0), and whether a block
    statement follows it; none when the line does not tokenize alone."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    cuts: list[tuple[int, int, bool]] = []
    depth, header, first = 0, False, True
    for token, following in itertools.pairwise(tokens):
        if first and token.type == tokenize.NAME:
            header = token.string in _COMPOUND or token.string in _CONTINUED
        first = False
        if token.type != tokenize.OP:
            if token.string == "lambda" and depth == 0:
                header = False  # its colon is the lambda's
            continue
        if token.string in "([{":
            depth += 1
        elif token.string in ")]}":
            depth -= 1
        elif depth == 0 and (token.string == ";" or (token.string == ":" and header)):
            deeper = 4 if token.string == ":" else 0
            if following.string in _CONTINUED:
                deeper -= 4
            cuts.append((token.start[1], deeper, following.string in _COMPOUND))
            header, first = False, True
    return cuts
