"""Whether a request orders something done, or asks about it.

A verb is an order when it leads its clause, alone or after a polite lead ("Fix utils.py",
"..., and save them to preds.csv", "Can you update train.py?"); the same verb after other
words is a noun or a question ("the last change to train.py", "How do I save a model to
model.safetensors?", "Explain how to export the results as results.csv"). A request that only
asks how to do something asks for a method, not for the workspace's files.

>>> import re
>>> verb = re.compile(r"\\bchange\\b", re.I)
>>> [ordered(s, next(verb.finditer(s))) for s in ("Change x.py.", "Explain the change.")]
[True, False]
>>> asks_how("How do I load data.csv with pandas?"), asks_how("Fix train.py.")
(True, False)
"""

from __future__ import annotations

import re

# Where a clause starts: the sentence's start, a comma, a semicolon, a colon, a dash, or a
# joining word.
_CLAUSE = re.compile(r"[,;:(]|\s[-\u2013\u2014]\s|\b(?:and|then|but|or|also)\b", re.I)
# What may stand before an ordering verb in its clause.
_LEAD = re.compile(
    r"^(?:(?:please|now|just|first|next|finally|so|ok(?:ay)?|also|then|and|go ahead and|"
    r"(?:can|could|would|will) you(?: please)?|i (?:want|need|would like|'d like) you to|"
    r"you (?:should|must|need to)|we need to|let's|try to|help me)\s+)*$",
    re.I,
)
# A sentence that asks how to do something, not for it to be done.
_HOW = re.compile(
    r"^\W*(?:(?:how|what(?:'s| is) the (?:best|easiest|right) way)\b|"
    r"(?:explain|tell me|show me|describe)\s+how\b)",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")


def ordered(sentence: str, verb: re.Match[str]) -> bool:
    """The `verb` found in `sentence` leads its clause (after a polite lead at most), in a
    sentence that does not ask how."""
    head = sentence[: verb.start()]
    starts = [m.end() for m in _CLAUSE.finditer(head)]
    clause = head[starts[-1] if starts else 0 :].strip()
    return not _HOW.match(sentence) and bool(_LEAD.match(f"{clause} " if clause else ""))


def asks_how(request: str) -> bool:
    """Every sentence of `request` with words in it asks how to do something."""
    sentences = [s for s in _SENTENCE.split(request) if re.search(r"\w", s)]
    return bool(sentences) and all(_HOW.match(s) for s in sentences)
