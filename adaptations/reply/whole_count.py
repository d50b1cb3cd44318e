"""An answer to "how many" that gives no whole number.

A count of rows, files or items is a whole number; an answer whose every number has a
fraction counted something else (a column's sum, a mean, a ratio). Only the kind of the
request and the form of the answer's numbers are read, never the workspace: a measure asked
for ("how many hours", "how many tokens per second") may have a fraction, a number with a
scale or a unit of share ("1.5 million", "12.5%") is not judged, and one whole number in the
answer lets it through.

Why: asked how many rows matched, a 1.5B model answered their total (docs/lab/2026-11-30.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from adaptations.reply.unseen_numbers import numbers_in
from models.texts import NOT_A_COUNT

# "how many" and the word after it: what is counted.
_HOW_MANY = re.compile(r"\bhow\s+many\s+([a-z]+)((?:\s+[a-z]+){0,2})", re.I)
# What "how many" asks for when it is a measure, not a count: its answer may have a fraction.
MEASURES = frozenset(
    {
        "seconds", "minutes", "hours", "days", "weeks", "months", "years", "ms",
        "milliseconds", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib", "dollars",
        "euros", "usd", "percent", "epochs", "flops", "tflops", "watts", "kwh",
    }
)  # fmt: skip
# A number with a scale or as a share: a fraction of it may be a whole count, so it is not judged.
_SCALED = re.compile(r"\d+(?:\.\d+)?\s*(?:%|(?:percent|thousand|million|billion|trillion)\b)", re.I)
MAX_SHOWN = 3


def asks_a_count(request: str) -> bool:
    """The request asks "how many" of things, not of a measure or a rate ("how many hours",
    "how many tokens per second")."""
    for match in _HOW_MANY.finditer(request):
        counted, after = match.group(1).lower(), match.group(2).lower().split()
        if counted not in MEASURES and "per" not in after and counted != "per":
            return True
    return False


def not_counts(request: str, answer: str) -> list[str]:
    """The answer's numbers when the request asks a count and none of them is a whole number
    (2.0 is one), each with a fraction; [] otherwise (no numbers, a whole one among them, or
    no count asked)."""
    if not asks_a_count(request):
        return []
    judged = numbers_in(_SCALED.sub(" ", answer))
    if not judged or any(float(number).is_integer() for number in judged):
        return []
    return judged


def count_note(numbers: Sequence[str]) -> str:
    shown = ", ".join(numbers[:MAX_SHOWN]) + (", ..." if len(numbers) > MAX_SHOWN else "")
    return NOT_A_COUNT.format(numbers=shown, are="is" if len(numbers) == 1 else "are")
