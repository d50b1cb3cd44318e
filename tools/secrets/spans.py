"""Where secrets are in a text, and the text with them masked: spans are `(start, end, mask)`
in characters; the scanners search UTF-8 bytes and give byte offsets."""

from __future__ import annotations

from collections.abc import Iterable

Span = tuple[int, int, str]
_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 bytes that do not start a character


def utf8(text: str) -> bytes:
    """The bytes the scanners search (a lone surrogate kept, as one lead byte)."""
    return text.encode("utf-8", errors="surrogatepass")


def char_offsets(data: bytes, offsets: Iterable[int]) -> dict[int, int]:
    """UTF-8 byte offsets as character offsets: a character is a byte that does not continue
    one (a lone surrogate, encoded with `surrogatepass`, is one lead byte too)."""
    result: dict[int, int] = {}
    chars = last = 0
    for offset in sorted(set(offsets)):
        chars += len(data[last:offset].translate(None, _CONTINUATION))
        result[offset], last = chars, offset
    return result


def replace_spans(text: str, spans: list[Span]) -> str:
    """Overlapping spans merge into one mask; touching ones stay two (a value written twice).
    A merged mask is labelled by its earliest, longest span, the first given on a tie."""
    spans.sort(key=lambda span: (span[0], -span[1]))
    out, last, current = [], 0, None
    for start, end, label in spans:
        if current is not None and start < current[1]:
            current = (current[0], max(current[1], end), current[2])
            continue
        if current is not None:
            out += [text[last : current[0]], current[2]]
            last = current[1]
        current = (start, end, label)
    if current is not None:
        out += [text[last : current[0]], current[2]]
        last = current[1]
    out.append(text[last:])
    return "".join(out)
