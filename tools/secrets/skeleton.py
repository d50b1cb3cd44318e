"""Known values seen through case, direction and separators.

A known value printed reversed, upper- or lower-cased, or cut into chunks joined by anything
that is not a letter or digit (spaces, line breaks, commas, dashes, ` | `, at any chunk size)
is still found, without enumerating variants: the text's skeleton (its ASCII letters and digits,
lower-cased: one `bytes.translate`) is searched with one Aho-Corasick automaton of every 12
characters of each value's skeleton and of its reversal. A hit is mapped back to the text (the
k-th letter or digit) and masked from its first character to its last, separators included.

Ambiguity: with case and separators ignored, a short piece is met by chance, and logs run
numbers together (`70/1000 [00:12<02:41` is `7010000012024 1` without its separators). So a
value is searched this way only when its skeleton has at least 12 characters, and a piece of
digits alone is left out; shorter values are masked only as written (known.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import ahocorasick_rs

from tools.secrets.spans import Span, char_offsets, utf8

RUN = 12
_UPPER, _LOWER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz"
_ALNUM = frozenset(_UPPER + _LOWER + b"0123456789")
_LOWERED = bytes.maketrans(_UPPER, _LOWER)
_NOT_ALNUM = bytes(b for b in range(256) if b not in _ALNUM)
_ALNUM_RE = re.compile(rb"[A-Za-z0-9]")
_BLOCK = 1 << 16


def skeleton(data: bytes) -> bytes:
    """`data`'s ASCII letters and digits, lower-cased, in order."""
    return data.translate(_LOWERED, _NOT_ALNUM)


def pieces(value: str) -> list[str]:
    """Every 12 characters of `value`'s skeleton and of its reversal, digits-only ones left out;
    none for a skeleton shorter than 12."""
    bare = skeleton(utf8(value)).decode("ascii")
    runs = {bare[i : i + RUN] for i in range(len(bare) - RUN + 1)}
    return sorted(p for run in runs for p in (run, run[::-1]) if not p.isdigit())


@dataclass(frozen=True)
class SkeletonMatcher:
    """The search for known values' skeletons; `names[i]` is what piece `i` is masked as."""

    names: tuple[str, ...]
    automaton: ahocorasick_rs.BytesAhoCorasick | None

    @classmethod
    def build(cls, pairs: Mapping[str, str]) -> SkeletonMatcher:
        """`pairs` maps each value to its name; a longer value names a shared piece."""
        by_piece: dict[str, str] = {}
        for value, name in sorted(pairs.items(), key=lambda p: -len(p[0])):
            for piece in pieces(value):
                by_piece.setdefault(piece, name)
        if not by_piece:
            return cls((), None)
        automaton = ahocorasick_rs.BytesAhoCorasick([p.encode() for p in by_piece])
        return cls(tuple(by_piece.values()), automaton)

    def spans(self, text: str, data: bytes) -> list[Span]:
        """Where a value is shown in `text` (`data` is `utf8(text)`), as character spans."""
        if self.automaton is None:
            return []
        hits = self.automaton.find_matches_as_indexes(skeleton(data), overlapping=True)
        if not hits:
            return []
        at = _byte_offsets(data, {k for _, start, end in hits for k in (start, end - 1)})
        found = [(at[start], at[end - 1] + 1, self.names[p]) for p, start, end in hits]
        if len(data) != len(text):
            chars = char_offsets(data, [o for start, end, _ in found for o in (start, end)])
            found = [(chars[start], chars[end], name) for start, end, name in found]
        return [(start, end, f"[REDACTED:{name}]") for start, end, name in found]


def _byte_offsets(data: bytes, wanted: set[int]) -> dict[int, int]:
    """The byte offset in `data` of its k-th ASCII letter or digit, for each k wanted: counted
    a block at a time, and character by character only in the blocks that hold one."""
    targets = sorted(wanted)
    result: dict[int, int] = {}
    count = i = 0
    for base in range(0, len(data), _BLOCK):
        block = data[base : base + _BLOCK]
        inside = len(block.translate(None, _NOT_ALNUM))
        if i < len(targets) and targets[i] < count + inside:
            where = [m.start() for m in _ALNUM_RE.finditer(block)]
            while i < len(targets) and targets[i] < count + inside:
                result[targets[i]] = base + where[targets[i] - count]
                i += 1
        count += inside
        if i == len(targets):
            break
    return result
