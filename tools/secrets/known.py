"""Known secret values, masked in every form they are written in.

A value the process knows to be secret (a secret environment variable, a value in a `.env*`
file of the workspace at any depth, a credential file in the home directory or the workspace,
the Hugging Face token, an MCP server's configured env) is masked wherever it appears:
verbatim, base64 and base64url (at any alignment inside a longer blob), hex, URL-encoded,
JSON-escaped, and split across lines or wrapped (`fold`, `base64`'s 76 columns). Once one of
its forms is seen, any 12 characters of it left elsewhere in the text go too.

Cost: each form gives two 12-character anchors (its head and tail); a long text is searched
for the anchors (a substring search per anchor, or one Aho-Corasick pass when there are many),
and only a value whose anchor is present gets the precise, slower pass. A short text (a
streamed line, under `SMALL` characters) is checked for every 12 characters of every form, with
and without its whitespace, so a piece from the middle of a value, or one folded into short
lines, is found too. In a long text, a value folded into lines shorter than 12 characters, or
cut on both sides, is not found (no 12 characters of it are shown together there either).
Values shorter than `MIN_SECRET_CHARS` are never masked by value (see tools/secrets/names.py).

The registry is process-wide on purpose: a secret known to one session is a secret for all.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import ahocorasick

from tools.secrets.names import MIN_SECRET_CHARS, secret_env_values

RUN = 12  # no 12 consecutive characters of a known secret survive
_AC_FROM = 48  # anchors: above this many, one automaton pass beats substring searches
SMALL = 8192  # a text this short is checked for every 12 characters of every form


@dataclass
class _Form:
    name: str
    text: str
    value: str  # the secret this form encodes
    anchors: tuple[str, ...] = ()


def forms(value: str) -> list[str]:
    """The ways `value` is written: itself, base64/base64url cores at the three alignments, hex,
    URL-encoded and JSON-escaped; each at least 8 characters, each once."""
    raw = value.encode("utf-8", errors="surrogatepass")
    whole = base64.b64encode(raw).decode().rstrip("=")
    found = [value, whole, whole.replace("+", "-").replace("/", "_")]
    for shift in range(3):  # inside a longer blob, `shift` bytes after a 3-byte boundary
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        start = (8 * shift + 5) // 6  # the characters before it mix in the bytes before
        end = len(encoded) - (0, 3, 2)[(shift + len(raw)) % 3]  # and after it
        core = encoded[start:end]
        found += [core, core.replace("+", "-").replace("/", "_")]
    found += [raw.hex(), urllib.parse.quote(value, safe=""), json.dumps(value)[1:-1]]
    found.append(value.replace("/", "\\/"))
    unique = dict.fromkeys(f for f in found if len(f) >= MIN_SECRET_CHARS)
    return list(unique)


def _anchors(text: str) -> tuple[str, ...]:
    return (text,) if len(text) <= RUN else (text[:RUN], text[-RUN:])


@dataclass
class KnownSecrets:
    """Every known secret value with the name it is shown by, and the matcher over them."""

    _values: dict[str, str] = field(default_factory=dict)  # value -> name
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _version: int = 0
    _built: tuple[int, tuple[tuple[str, str], ...]] | None = None
    _forms: list[_Form] = field(default_factory=list)
    _by_anchor: dict[str, list[_Form]] = field(default_factory=dict)
    _by_run: dict[str, _Form] = field(default_factory=dict)
    _automaton: object = None

    def add(self, name: str, value: str) -> bool:
        """Remember `value` as a secret shown as `[REDACTED:name]`; False if too short to mask."""
        value = value.strip()
        if len(value) < MIN_SECRET_CHARS or value in self._values:
            return False
        with self._lock:
            self._values[value] = name
            self._version += 1
        return True

    def add_all(self, pairs: Iterable[tuple[str, str]]) -> None:
        for name, value in pairs:
            self.add(name, value)

    def names(self) -> list[str]:
        return sorted(set(self._values.values()))

    def mask(self, text: str, env: Mapping[str, str] | None = None) -> str:
        """`text` with every form of every known value (and of the env's secrets) masked."""
        env_pairs = tuple(secret_env_values(env))
        self._build(env_pairs)
        hit = self._hits(text)
        if not hit:
            return text
        spans: list[tuple[int, int, str]] = []
        for form in hit:
            spans += _spans_of(form, text)
        return replace_spans(text, spans)

    def _build(self, env_pairs: tuple[tuple[str, str], ...]) -> None:
        key = (self._version, env_pairs)
        if self._built == key:
            return
        with self._lock:
            pairs = {value: name for value, name in self._values.items()}
        for name, value in env_pairs:
            pairs.setdefault(value, name)
        built: list[_Form] = []
        for value, name in sorted(pairs.items(), key=lambda p: -len(p[0])):
            built += [_Form(name, f, value, _anchors(f)) for f in forms(value)]
        by_anchor: dict[str, list[_Form]] = {}
        for form in built:
            for anchor in form.anchors:
                by_anchor.setdefault(anchor, []).append(form)
        automaton = None
        if len(by_anchor) > _AC_FROM:
            automaton = ahocorasick.Automaton()
            for anchor in by_anchor:
                automaton.add_word(anchor, anchor)
            automaton.make_automaton()
        by_run = {form.text[i : i + RUN]: form for form in built for i in _starts(form.text)}
        self._forms, self._by_anchor, self._by_run = built, by_anchor, by_run
        self._automaton = automaton
        self._built = key

    def _hits(self, text: str) -> list[_Form]:
        if len(text) <= SMALL:  # a streamed line: a piece from the middle of a value counts
            squeezed = _WHITESPACE.sub("", text)  # and one folded into short lines
            runs = {t[i : i + RUN] for t in (text, squeezed) for i in range(len(t) - RUN + 1)}
            found = {id(f): f for f in (self._by_run[r] for r in runs if r in self._by_run)}
            short = (f for f in self._forms if len(f.text) < RUN and f.text in text)
            found.update((id(f), f) for f in short)
            return list(found.values())
        if self._automaton is not None:
            present = {anchor for _end, anchor in self._automaton.iter(text)}  # type: ignore[attr-defined]
        else:
            present = {anchor for anchor in self._by_anchor if anchor in text}
        hit: dict[int, _Form] = {}
        for anchor in present:
            for form in self._by_anchor[anchor]:
                hit[id(form)] = form
        return list(hit.values())


def _starts(text: str) -> range:
    return range(len(text) - RUN + 1) if len(text) >= RUN else range(0)


_WHITESPACE = re.compile(r"\s+")
_GAP = r"(?:\s|\\[nrt]|\\)*"  # a line break, indentation or an escaped newline inside a value


def _spans_of(form: _Form, text: str) -> list[tuple[int, int, str]]:
    """Where `form` is in `text`: whole (possibly wrapped), and any 12 characters of it."""
    label = f"[REDACTED:{form.name}]"
    flexible = re.compile(_GAP.join(re.escape(c) for c in form.text))
    spans = [(m.start(), m.end(), label) for m in flexible.finditer(text)]
    for i in range(max(1, len(form.text) - RUN + 1)):
        piece = form.text[i : i + RUN]
        start = text.find(piece)
        while start != -1:
            spans.append((start, start + len(piece), label))
            start = text.find(piece, start + 1)
    return spans


def replace_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Overlapping spans merge into one mask; touching ones stay two (a value written twice)."""
    spans.sort()
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


KNOWN = KnownSecrets()
