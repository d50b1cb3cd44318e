"""A small model's final answer that opens with the words of its own instructions is sent back.

Qwen2.5-Coder-1.5B trained the classifier, saved predictions.csv, saw the cross-validated score
printed, and answered "To write a file, end the program with `predictions.csv` to save the
predictions.": the last line of its runtime note, in every run (bench/README.md,
train-classifier). An answer whose first words are a note's or the system prompt's says nothing
about the work; told so once, it can report what it ran and what that printed.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, SystemMessage

from nodes.history import note_kind, text_of

ECHOED = (
    "Your answer repeats the instructions you were given, not what you found or did. Answer "
    "the request now from the tool results above: what you ran, what it printed, and the "
    "file you saved, if any."
)
OPENING_WORDS = 8  # an answer's first words that, found in an instruction, make it an echo


def echoes_instructions(answer: str, shown: Sequence[BaseMessage]) -> bool:
    """Whether `answer` opens with `OPENING_WORDS` words that the system prompt or one of the
    agent's notes in `shown` holds in a row (a short answer never counts)."""
    words = answer.split()
    if len(words) < OPENING_WORDS:
        return False
    opening = " ".join(words[:OPENING_WORDS])
    return any(
        opening in " ".join(text_of(m.content).split())
        for m in shown
        if isinstance(m, SystemMessage) or note_kind(m) is not None
    )
