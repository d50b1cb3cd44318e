"""Secrets the plain pass cannot see: written in base64, base32 or hex, or split over string literals.

- Encoded runs: base64 (standard or URL-safe, one line or wrapped at a fixed width, as
  `base64` prints), hex, and base32 (standard or extended-hex, either case) when a run is
  not base64 of text. Each run is decoded once (depth one: what it holds is not decoded
  again), and only when it decodes to text is that text masked with the same rules; a run
  whose text held a secret is masked whole. Bounded: runs of 24 to 65,536 characters, the
  first 100 runs of a text. Hashes, ids and images decode to bytes, not text, and stay.
- Joined literals: `"hf_abc" "def"` (Python, C), `"hf_abc" + "def"` (JS, Python) and
  `"hf_abc"\\<newline>"def"` (shell) are one string to the program that reads them; the
  joined text is masked with the same rules and the whole chain goes if it held a secret.
  Bounded: the first 131,072 characters of a text (source files are small), 100 chains.
- In a numbered view (`read`, `grep`, `cat -n`) both look through the line prefixes
  (line_prefixes.py): a wrapped run or a chain over lines is one, and each line's piece goes.

Cost: bench/masking.py.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import re
from collections.abc import Callable

from tools.secrets.line_prefixes import through_prefixes
from tools.secrets.spans import Span, char_offsets, replace_spans, utf8

Mask = Callable[[str], str]
MIN_RUN, MAX_RUN, MAX_RUNS = 24, 65_536, 100
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
_HEX = frozenset(b"0123456789abcdefABCDEF")
_BASE32 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_BASE32HEX = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUV")
# Run characters become 'a', line breaks stay, everything else is a space: runs are found
# with bytes.find and one C-level match, not a Python loop over characters.
_RUNS = bytes(ord("a") if b in _ALPHABET else b if b in b"\r\n" else ord(" ") for b in range(256))
_SEED = b"a" * MIN_RUN
_RUN = re.compile(rb"a+")
_BLOCK = re.compile(rb"a+(?:\r?\na+)*")
_TEXT = bytes(range(32, 127)) + b"\t\n\r" + bytes(range(128, 256))
_SEPARATOR = "\n\x00\n"  # between decoded texts masked in one call; never inside one
_LABEL = re.compile(r"\[REDACTED:([^\]\n]+)\]")


def mask_hidden(text: str, mask: Mask, data: bytes | None = None) -> str:
    """`text` with encoded runs and joined literals masked where `mask` finds a secret in
    what they hold; `mask` is the plain pass (it neither decodes nor joins); `data`, when
    given, is `utf8(text)`."""

    def hidden(seen: str) -> list[Span]:
        return encoded_spans(seen, mask, data if seen is text else None) + joined_spans(seen, mask)

    spans = through_prefixes(text, hidden)
    return replace_spans(text, spans) if spans else text


def encoded_spans(text: str, mask: Mask, data: bytes | None = None) -> list[Span]:
    data = utf8(text) if data is None else data
    runs = _runs(data)
    found = [(s, e, t) for s, e in runs if (t := _decoded(data[s:e])) is not None]
    retried = _first_lines(data, runs, {s for s, _e, _t in found})
    found += [(s, e, t) for s, e in retried if (t := _decoded(data[s:e])) is not None]
    if not found:
        return []
    masked = _mask_each(mask, [t for _s, _e, t in found])
    hits = [(s, e, m) for (s, e, t), m in zip(found, masked, strict=True) if m != t]
    if not hits:
        return []
    offsets = char_offsets(data, [o for s, e, _m in hits for o in (s, e)])
    return [(offsets[s], offsets[e], _label(m, "encoded")) for s, e, m in hits]


def _runs(data: bytes) -> list[tuple[int, int]]:
    """(start, end) byte offsets of up to MAX_RUNS runs (a wrapped block is one run)."""
    mapped = data.translate(_RUNS)
    runs: list[tuple[int, int]] = []
    pos = 0
    while len(runs) < MAX_RUNS:
        start = mapped.find(_SEED, pos)
        if start < 0:
            break
        end = _RUN.match(mapped, start).end()  # type: ignore[union-attr]
        if (end - start) % 4 == 0:  # perhaps wrapped base64: the lines after it may join
            end = _wrapped_end(data, start, _BLOCK.match(mapped, start).end())  # type: ignore[union-attr]
        pos = end
        while pos < len(data) and data[pos] == 0x3D and pos - end < 6:  # '=' padding
            pos += 1
        if pos - start <= MAX_RUN:
            runs.append((start, pos))
    return runs


def _first_lines(
    data: bytes, runs: list[tuple[int, int]], decoded: set[int]
) -> list[tuple[int, int]]:
    """The first line of each block taken as wrapped that held no text: a blob that merely
    reaches the end of its line, a word on the next line after it (`KEY\nword`)."""
    found = []
    for start, end in runs:
        cut = data.find(b"\n", start, end)
        if start not in decoded and cut > start:
            found.append((start, cut - (data[cut - 1] == 0x0D)))
    return found


def _wrapped_end(data: bytes, start: int, end: int) -> int:
    """A block of lines is one run only when it is wrapped base64: every line but the last
    as long as the first, a multiple of 4, the last no longer; else the first line alone."""
    newline = data.find(b"\n", start, end)
    if newline < 0:
        return end
    first = len(data[start:newline].rstrip(b"\r"))
    if first % 4:  # a guard (`_runs` asks only for a run of 4n): not wrapped base64
        return start + first
    widths = [len(line.rstrip(b"\r")) for line in data[start:end].split(b"\n")]
    if all(w == first for w in widths[:-1]) and widths[-1] <= first:
        return end
    return start + first


def _decoded(run: bytes) -> str | None:
    """`_decoded_text`, remembered for runs of up to `_KEPT_RUN` bytes: a numbered view is
    searched twice (with its line prefixes and without), a file read again or a log's
    repeated lines hold the same runs, and what a run decodes to depends on it alone."""
    return _decoded_kept(run) if len(run) <= _KEPT_RUN else _decoded_text(run)


_KEPT_RUN = 2048  # 1,024 of them: at most 4 MB kept


def _decoded_text(run: bytes) -> str | None:
    """What a run holds, if it is text (printable, valid UTF-8), else None: hex, else base64,
    else base32 (standard or extended-hex alphabet, either case)."""
    compact = run.replace(b"\r", b"").replace(b"\n", b"")
    if len(compact) % 2 == 0 and _HEX.issuperset(compact):
        return _text(bytes.fromhex(compact.decode("ascii")))
    body = compact.rstrip(b"=").replace(b"-", b"+").replace(b"_", b"/")
    body = body[: len(body) - 1] if len(body) % 4 == 1 else body
    try:
        text = _text(binascii.a2b_base64(body + b"=" * (-len(body) % 4)))
    except binascii.Error:
        text = None
    return text if text is not None else _base32_text(compact.rstrip(b"=").upper())


def _base32_text(body: bytes) -> str | None:
    """`body` (upper case, no padding) as base32 or base32hex, if it decodes to text."""
    body = body[:-1] if len(body) % 8 in (1, 3, 6) else body  # cut short: a whole byte less
    padded = body + b"=" * (-len(body) % 8)
    for alphabet, decode in ((_BASE32, base64.b32decode), (_BASE32HEX, base64.b32hexdecode)):
        if alphabet.issuperset(body):
            if len(body) > _PROBE and not _may_be_text(decode(body[:_PROBE])):
                continue  # what it starts with is not text: nor is the whole
            try:
                text = _text(decode(padded))
            except binascii.Error:
                continue
            if text is not None:
                return text
    return None


_decoded_kept = functools.lru_cache(maxsize=1024)(_decoded_text)
# base32 is decoded in Python (no C decoder): a run's first 16 characters (2 whole groups,
# 10 bytes, the first 10 bytes of the whole) are decoded first, and a run whose start is not
# text is given up without decoding the rest.
_PROBE = 16


def _may_be_text(start: bytes) -> bool:
    """Whether `start`, the beginning of a decoded run, can begin a text `_text` accepts."""
    if start.translate(None, _TEXT):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(start, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _text(raw: bytes) -> str | None:
    if len(raw) < 12 or raw.translate(None, _TEXT):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _mask_each(mask: Mask, texts: list[str]) -> list[str]:
    """`mask` on each text, in one call when the masks keep the separators apart."""
    if len(texts) > 1:
        parts = mask(_SEPARATOR.join(texts)).split(_SEPARATOR)
        if len(parts) == len(texts):
            return parts
    return [mask(t) for t in texts]


def _label(masked: str, fallback: str) -> str:
    found = _LABEL.search(masked)
    return f"[REDACTED:{found.group(1) if found else fallback}]"


# --- string literals joined by the language that reads them -----------------------------------

JOIN_REACH = 131_072  # characters of a text searched for joined literals (source is small)
_JUNCTION = re.compile(r"""["'][ \t+\\\r\nrRbBuUfF]*["']""")  # cheap test: one could be here
_LITERAL = r"""[rRbBuUfF]{0,2}(?:"[^"\\\n]{0,400}"|'[^'\\\n]{0,400}')"""
_JOIN = r"[ \t]*(?:\+[ \t]*)?(?:\\?\r?\n[ \t]*)?(?:\+[ \t]*)?"
_CHAIN = re.compile(rf"{_LITERAL}(?:{_JOIN}{_LITERAL})+")
_CONTENT = re.compile(r"""[rRbBuUfF]{0,2}(["'])(.*?)\1""", re.DOTALL)


def joined_spans(text: str, mask: Mask) -> list[Span]:
    reach = min(len(text), JOIN_REACH)
    if _JUNCTION.search(text, 0, reach) is None:
        return []
    chains = []
    for found in _CHAIN.finditer(text, 0, reach):
        pieces = [m.group(2) for m in _CONTENT.finditer(found.group(0))]
        chains.append((found.start(), found.end(), "".join(pieces)))
        if len(chains) >= MAX_RUNS:
            break
    if not chains:
        return []
    masked = _mask_each(mask, [joined for _s, _e, joined in chains])
    return [
        (start, end, _label(m, "joined-string"))
        for (start, end, joined), m in zip(chains, masked, strict=True)
        if m != joined
    ]
