"""Known values seen through case, direction and separators.

A known value printed reversed, upper- or lower-cased, or cut into chunks joined by anything
that is not a letter or digit (spaces, line breaks, escaped ones as JSON or a repr writes them,
commas, dashes, ` | `, at any chunk size) is still found, without enumerating variants: the
text's skeleton (its ASCII letters and digits, lower-cased: one `bytes.translate`) is searched
with one Aho-Corasick automaton of the 12 characters starting every 12 of each value's
skeleton, and its last 12, and their reversals: the value whole, or any 23 characters of it,
is found. Only when one is found is the skeleton searched again, for every 12 characters of
the values found, each mapped back to the text (the k-th letter or digit) and masked from its
first character to its last, separators included.

Ambiguity: with case and separators ignored, a short piece is met by chance, and logs run
numbers together (`70/1000 [00:12<02:41` is `70100000120241` without its separators). So a
value is searched this way only when its skeleton has at least 12 characters, and a piece of
digits alone is left out; shorter values are masked only as written (known.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import ahocorasick_rs

from tools.secrets.spans import Span, char_offsets, utf8

RUN = 12  # no 12 consecutive characters of a known secret survive, in any form
_UPPER, _LOWER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz"
_ALNUM = frozenset(_UPPER + _LOWER + b"0123456789")
_LOWERED = bytes.maketrans(_UPPER, _LOWER)
_NOT_ALNUM = bytes(b for b in range(256) if b not in _ALNUM)
_ALNUM_RE = re.compile(rb"[A-Za-z0-9]")
_BLOCK = 1 << 16
_ESCAPES = (b"\\n", b"\\r", b"\\t")


def skeleton(data: bytes) -> bytes:
    """`data`'s ASCII letters and digits, lower-cased, in order."""
    return data.translate(_LOWERED, _NOT_ALNUM)


def _escapes_blanked(data: bytes) -> bytes:
    """`data` with `\\n`, `\\r` and `\\t` as two spaces: an escaped line break (JSON, a repr)
    separates chunks as a real one does, and the offsets stay."""
    if b"\\" not in data:
        return data
    for escape in _ESCAPES:
        data = data.replace(escape, b"  ")
    return data


def pieces(bare: str, every: bool = True) -> list[str]:
    """Every 12 characters of a skeleton and of its reversal (`every=False`: those starting
    every 12 characters, and the last 12), digits-only ones left out; none under 12."""
    starts = range(0, len(bare) - RUN + 1, 1 if every else RUN)
    runs = {bare[i : i + RUN] for i in starts} | ({bare[-RUN:]} if len(bare) >= RUN else set())
    return sorted(p for run in runs for p in (run, run[::-1]) if not p.isdigit())


@dataclass(frozen=True)
class SkeletonMatcher:
    """The search for known values' skeletons: `found[i]` are the (skeleton, name) of the values
    piece `i` belongs to."""

    found: tuple[tuple[tuple[str, str], ...], ...]
    automaton: ahocorasick_rs.BytesAhoCorasick | None

    @classmethod
    def build(cls, pairs: Mapping[str, str]) -> SkeletonMatcher:
        """`pairs` maps each value to its name."""
        by_piece: dict[str, list[tuple[str, str]]] = {}
        for value, name in sorted(pairs.items(), key=lambda p: -len(p[0])):
            bare = skeleton(utf8(value)).decode("ascii")
            for piece in pieces(bare, every=False):
                by_piece.setdefault(piece, []).append((bare, name))
        if not by_piece:
            return cls((), None)
        return cls(tuple(map(tuple, by_piece.values())), _automaton(by_piece))

    def spans(self, text: str, data: bytes) -> list[Span]:
        """Where a value is shown in `text` (`data` is `utf8(text)`), as character spans."""
        if self.automaton is None:
            return []
        data = _escapes_blanked(data)
        bare = skeleton(data)
        hits = self.automaton.find_matches_as_indexes(bare, overlapping=True)
        if not hits:
            return []
        names, every = _every_piece(frozenset(v for p, _, _ in hits for v in self.found[p]))
        shown = every.find_matches_as_indexes(bare, overlapping=True)
        at = _byte_offsets(data, {k for _, start, end in shown for k in (start, end - 1)})
        spans = [(at[start], at[end - 1] + 1, names[p]) for p, start, end in shown]
        if len(data) != len(text):
            chars = char_offsets(data, [o for start, end, _ in spans for o in (start, end)])
            spans = [(chars[start], chars[end], name) for start, end, name in spans]
        return [(start, end, f"[REDACTED:{name}]") for start, end, name in spans]


@functools.lru_cache(maxsize=64)
def _every_piece(
    found: frozenset[tuple[str, str]],
) -> tuple[list[str], ahocorasick_rs.BytesAhoCorasick]:
    """The names and the automaton of every 12 characters of the values found."""
    by_piece: dict[str, str] = {}
    for bare, name in sorted(found, key=lambda v: -len(v[0])):
        for piece in pieces(bare):
            by_piece.setdefault(piece, name)
    return list(by_piece.values()), _automaton(by_piece)


def _automaton(pieces: Iterable[str]) -> ahocorasick_rs.BytesAhoCorasick:
    return ahocorasick_rs.BytesAhoCorasick([p.encode("ascii") for p in pieces])


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
