"""Python's own words for a cell IPython calls only "incomplete input".

IPython compiles a cell as the start of something longer, so an unclosed bracket or string, or
a block with no body, fails with "SyntaxError: incomplete input" and no more. Compiled again as
a whole program (after IPython's own rewriting of magics, shell escapes and indentation), the
same code gets the compiler's reason and line: "'(' was never closed".
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable
from typing import Any

# IPython's word for code that compiles as the start of something longer.
INCOMPLETE = "incomplete input"
# Longer code is not compiled again (the compile holds the host's GIL: ~1 s for 20,000
# characters of one unclosed literal on a loaded machine).
COMPILE_CHARS = 20_000


def compiler_reason(
    outputs: Iterable[dict[str, Any]], code: str, version: str
) -> tuple[int | None, str] | None:
    """Python's (line, reason) for `code` when its cell failed with IPython's bare "incomplete
    input"; None for any other outcome, for code over `COMPILE_CHARS`, and where the kernel's
    Python (`version`, "3.12.1") is not this process's (its compiler may say otherwise).
    Nothing runs: the code is only compiled, its warnings (invalid escapes) dropped."""
    if not _incomplete(outputs) or not same_python(version):
        return None
    error = kernel_refusal(code)
    return (error.lineno, str(error.msg)) if error is not None and error.msg else None


def kernel_refusal(code: str) -> SyntaxError | None:
    """Python's compiler's error for `code` as a kernel cell (after IPython's own rewriting of
    magics and shell escapes; its tokenizer's error when that rewriting fails on it), or None:
    when it compiles, is over `COMPILE_CHARS`, or IPython cannot rewrite it for another
    reason. Nothing runs; the compile's warnings (invalid escapes) are dropped."""
    return kernel_compile(code)[0]


def kernel_compile(code: str) -> tuple[SyntaxError | None, list[str]]:
    """`kernel_refusal`'s error, and the warnings the compile gave (their messages: "perhaps
    you missed a comma?"), none when it was not compiled."""
    if len(code) > COMPILE_CHARS:
        return None, []
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        source = TransformerManager().transform_cell(code)
    except SyntaxError as error:  # its tokenizer's: IndentationError, TabError
        return error, []
    except Exception:
        return None, []
    # Why: a compile warns through the process's filters; the catch is brief, in this thread.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compile(source, "<cell>", "exec", dont_inherit=True)
        except SyntaxError as error:
            return error, []
        except (ValueError, RecursionError, MemoryError):
            return None, []
    return None, [str(warning.message) for warning in caught]


def _incomplete(outputs: Iterable[dict[str, Any]]) -> bool:
    return any(
        o.get("output_type") == "error" and o.get("ename") == "SyntaxError"
        and str(o.get("evalue")).startswith(INCOMPLETE)
        for o in outputs
    )  # fmt: skip


def same_python(version: str) -> bool:
    """The kernel's Python (`version`, "3.12.1") is this process's, so its compiler says the
    same."""
    return version.split(".")[:2] == [str(sys.version_info.major), str(sys.version_info.minor)]
