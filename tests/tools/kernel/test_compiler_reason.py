"""Python's own words for a cell IPython calls only "incomplete input"
(tools/kernel/compiler_reason.py): the line and reason of the code as IPython ran it, and
nothing for any other failure, for code too long to compile again, or for another Python.
tests/tools/kernel/test_python.py runs the same through a real kernel."""

from __future__ import annotations

import sys
import warnings

import pytest

from tools.kernel.compiler_reason import COMPILE_CHARS, compiler_reason, kernel_refusal

INCOMPLETE = [{"output_type": "error", "ename": "SyntaxError", "evalue": "incomplete input"}]
HERE = f"{sys.version_info.major}.{sys.version_info.minor}.0"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("import math\nprint(math.sqrt(4)", (2, "'(' was never closed")),
        ("x = [1, 2,\n     3", (1, "'[' was never closed")),
        ("for i in range(3):\n", (1, "expected an indented block after 'for' statement on line 1")),
        # IPython's rewriting first: a magic, a shell escape, a common indent
        ("%time x = 1\nprint((x", (2, "'(' was never closed")),
        ("!echo hi\nprint((1", (2, "'(' was never closed")),
        ("  x = 1\n  print(x", (2, "'(' was never closed")),
    ],
)
def test_an_incomplete_cell_gets_the_compilers_line_and_reason(
    code: str, reason: tuple[int, str]
) -> None:
    assert compiler_reason(INCOMPLETE, code, HERE) == reason


def test_nothing_for_other_outcomes_long_code_or_another_python() -> None:
    named = [{"output_type": "error", "ename": "SyntaxError", "evalue": "invalid syntax"}]
    assert compiler_reason(named, "print((1", HERE) is None  # IPython said it itself
    assert compiler_reason([{"output_type": "stream", "text": "ok"}], "print((1", HERE) is None
    long = "x = [" + "1, " * (COMPILE_CHARS // 3)
    assert compiler_reason(INCOMPLETE, long, HERE) is None
    other = f"{sys.version_info.major}.{sys.version_info.minor + 1}.0"
    assert compiler_reason(INCOMPLETE, "print((1", other) is None


def test_the_codes_own_warnings_stay_quiet() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would raise here, or be the reason
        found = compiler_reason(INCOMPLETE, "import re\nre.compile('\\d+')\nprint((1", HERE)
    assert found == (3, "'(' was never closed")


def test_a_cell_ipython_cannot_even_read_is_refused() -> None:
    """IPython's own tokenizer fails on it before any compile, and the kernel runs none of it:
    a refusal, not code that compiles (mended_python keeps only mends that compile)."""
    code = "def f(xs):\n for x in xs:\n     print(x)\n\treturn 1"
    error = kernel_refusal(code)
    assert isinstance(error, IndentationError) and error.lineno == 4
