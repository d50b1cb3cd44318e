"""A small model's final answer is checked for numbers that nothing it was shown contains.

Qwen2.5-Coder-1.5B, asked for an F1 score and a confusion matrix, wrote [[100, 10], [10, 90]]
without opening the predictions; asked for a value in a long file whose read was cut, it
answered 0.01 (the file says 0.063); asked for the last eval accuracy it quoted a log line
that was never printed (bench/README.md). Told which numbers no tool showed, it can look.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from langchain_core.messages import AIMessage, BaseMessage

from nodes.history import text_of

UNSEEN_NUMBERS = (
    "Your answer states {numbers}, but no tool result shows {them}. Numbers come from your "
    "tools: find the value (`grep`, `read`) or compute it (`bash` with `python3 -c` or a short "
    "script), then answer from what it prints."
)
# Small integers are counts and list numbers more often than results.
SMALL_INTEGER = 10
MAX_SHOWN = 4
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\.?\w)")


def numbers_in(text: str) -> list[str]:
    """The numbers written in `text` (1,000 as 1000), skipping those inside names (l4x1, v2)."""
    return _NUMBER.findall(_THOUSANDS.sub("", text))


def unseen_numbers(answer: str, shown: Sequence[BaseMessage]) -> list[str]:
    """The numbers of `answer` that no message in `shown` but the model's own holds, even
    rounded or as a percentage; small integers are let through."""
    seen = [float(n) for n in set(numbers_in(_shown_text(shown)))]
    unseen: list[str] = []
    for written in dict.fromkeys(numbers_in(answer)):
        value = float(written)
        if "." not in written and value <= SMALL_INTEGER:
            continue
        if not any(_same(written, value, s) for s in seen):
            unseen.append(written)
    return unseen


def unseen_note(numbers: Sequence[str]) -> str:
    shown = ", ".join(numbers[:MAX_SHOWN]) + (", ..." if len(numbers) > MAX_SHOWN else "")
    return UNSEEN_NUMBERS.format(numbers=shown, them="it" if len(numbers) == 1 else "them")


def _shown_text(shown: Iterable[BaseMessage]) -> str:
    return "\n".join(text_of(m.content) for m in shown if not isinstance(m, AIMessage))


def _same(written: str, value: float, seen: float) -> bool:
    """`written` is `seen` rounded to its own decimals, or a fraction `seen` as a percentage
    (or back)."""
    decimals = len(written.partition(".")[2])
    tolerance = 0.5 * 10**-decimals + 1e-9
    forms = [seen]
    if 0 < seen < 1:
        forms.append(seen * 100)
    elif 1 < seen <= 100 and not seen.is_integer():
        forms.append(seen / 100)
    return any(abs(value - form) <= tolerance for form in forms)
