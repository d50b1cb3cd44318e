"""An answer that repeats the request instead of answering it.

Seen with small models after they read the right file: the turn ends with the user's question
written back word for word (or its first part), which the user then reads as the answer. The
check compares words, not characters: case, punctuation and spacing do not count, and an
answer that quotes the request and then answers it is an answer.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[\w.'/-]+")
# An echo shorter than this share of the request's words is too short to tell from an answer
# that happens to use some of its words ("yes", a file name).
MIN_SHARE = 0.6


def words(text: str) -> list[str]:
    return [w.strip(".'/-").lower() for w in _WORD.findall(text) if w.strip(".'/-")]


def echoes(request: str, answer: str) -> bool:
    """Whether `answer` is the request again: its words, in order, are a run of the request's
    words covering at least `MIN_SHARE` of them, with nothing else."""
    asked, said = words(request), words(answer)
    if not asked or not said or len(said) < MIN_SHARE * len(asked):
        return False
    return any(asked[i : i + len(said)] == said for i in range(len(asked) - len(said) + 1))
