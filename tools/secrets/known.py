"""Known secret values, masked in every form they are written in.

A value the process knows to be secret (a secret environment variable, a value in a `.env*`
file of the workspace at any depth, a credential file in the home directory or the workspace,
the Hugging Face token, an MCP server's configured env) is masked wherever it appears:
verbatim; base64 and base64url, base32 and base32hex (either case), at any alignment inside a
longer blob, with or without padding; hex (either case), URL-encoded, JSON-escaped, rot13;
split across lines or wrapped (`fold`, `base64`'s 76 columns), and reversed,
re-cased or cut into chunks with any separators (skeleton.py), line numbers seen through
(line_prefixes.py). Any 12 characters of a value shown together are masked too (a value cut
on both sides); an encoded form is found by its first or last 12 characters (a blob cut at
one end), then masked as far as it is shown.

Cost: those pieces go into one Aho-Corasick automaton (Rust, over UTF-8 bytes) run once over
the text without its whitespace, so a value folded into lines shorter than 12 characters is
found too. Only when a form is found is the text searched again, for that form: every 12 of
its characters shown together, and the form whole, perhaps wrapped or folded.
Values shorter than `MIN_SECRET_CHARS` are never masked by value (see tools/secrets/names.py).

The registry is process-wide on purpose: a secret known to one session is a secret for all.
"""

from __future__ import annotations

import base64
import codecs
import functools
import json
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import ahocorasick_rs

from tools.secrets.line_prefixes import through_prefixes
from tools.secrets.names import MIN_SECRET_CHARS, secret_env_values
from tools.secrets.skeleton import RUN, SkeletonMatcher
from tools.secrets.spans import Span, char_offsets, replace_spans, utf8

_WHITESPACE = b" \t\n\r\v\f"


@dataclass(frozen=True)
class _Form:
    name: str
    text: str
    encoded: bool  # base64 or hex: cut only at its ends, found by its first or last 12


def forms(value: str) -> list[str]:
    """The ways `value` is written: itself, URL-encoded and JSON-escaped (`written`), and
    base64/base64url cores at the three alignments and hex (`encoded`); each once."""
    return list(dict.fromkeys([*written(value), *encoded(value)]))


def written(value: str) -> list[str]:
    """`value` as a person or a serializer writes it: a piece of it may be shown anywhere
    (rot13 too: it keeps the value's shape, letter for letter)."""
    found = [value, urllib.parse.quote(value, safe=""), json.dumps(value)[1:-1]]
    found += [value.replace("/", "\\/"), codecs.encode(value, "rot13")]
    return list(dict.fromkeys(f for f in found if len(f) >= MIN_SECRET_CHARS))


def encoded(value: str) -> list[str]:
    """`value` encoded: a blob is cut at its ends, rarely in its middle. Base64 (standard and
    url alphabets), base32 (standard and extended-hex alphabets, either case: decoders fold
    case) and hex (either case), each at every alignment inside a longer blob; padding is
    never part of a form, so a blob with or without it is found alike."""
    raw = value.encode("utf-8", errors="surrogatepass")
    found = []
    for core in _aligned(raw, base64.b64encode, 3, 6):
        found += [core, core.replace("+", "-").replace("/", "_")]
    for encode in (base64.b32encode, base64.b32hexencode):
        for core in _aligned(raw, encode, 5, 5):
            found += [core, core.lower()]
    found += [raw.hex(), raw.hex().upper()]
    return list(dict.fromkeys(f for f in found if len(f) >= MIN_SECRET_CHARS))


def _aligned(raw: bytes, encode: Callable[[bytes], bytes], group: int, bits: int) -> list[str]:
    """`raw` encoded by `encode` (`bits` bits a character, in groups of `group` bytes), whole
    and at each alignment inside a longer blob: the characters that hold `raw`'s bits only
    (those at either end mix in the bytes before or after, whatever they are)."""
    whole = encode(raw).decode().rstrip("=")
    found = [whole]
    for shift in range(group):  # inside a longer blob, `shift` bytes after a group boundary
        blob = encode(b"\0" * shift + raw).decode()
        start = -(-8 * shift // bits)  # the first character holding none of the bytes before
        end = 8 * (shift + len(raw)) // bits  # the last holding none of the bytes after
        found.append(blob[start:end])
    return found


def _runs(text: str, every: bool) -> list[str]:
    """Every 12 characters of `text`, or only its first and last 12; a shorter text whole."""
    if len(text) <= RUN:
        return [text]
    if not every:
        return [text[:RUN], text[-RUN:]]
    return [text[i : i + RUN] for i in range(len(text) - RUN + 1)]


def _automaton(pieces: Iterable[str]) -> ahocorasick_rs.BytesAhoCorasick:
    return ahocorasick_rs.BytesAhoCorasick(
        [p.encode("utf-8", errors="surrogatepass") for p in pieces]
    )


@dataclass(frozen=True)
class _Matcher:
    """The search for known values, over a text without its whitespace: every 12 characters
    of a written form (a value cut on both sides), the first and last 12 of an encoded one."""

    forms_of: tuple[tuple[_Form, ...], ...]  # by pattern index
    automaton: ahocorasick_rs.BytesAhoCorasick | None
    skeletons: SkeletonMatcher

    @classmethod
    def build(cls, pairs: Mapping[str, str]) -> _Matcher:
        by_piece: dict[str, list[_Form]] = {}
        for value, name in sorted(pairs.items(), key=lambda p: -len(p[0])):
            every = [_Form(name, text, False) for text in written(value)]
            for form in [*every, *(_Form(name, text, True) for text in encoded(value))]:
                squeezed = _WHITESPACE_RE.sub("", form.text)
                for piece in _runs(squeezed, not form.encoded):
                    by_piece.setdefault(piece, []).append(form)
        skeletons = SkeletonMatcher.build(pairs)
        if not by_piece:
            return cls((), None, skeletons)
        return cls(tuple(map(tuple, by_piece.values())), _automaton(by_piece), skeletons)

    def spans(self, text: str, data: bytes | None = None) -> list[Span]:
        """Where a known value is shown in `text`, in any form (`data`: `utf8(text)`)."""
        data = utf8(text) if data is None else data
        spans = self.skeletons.spans(text, data)
        hit = self._found(data.translate(None, _WHITESPACE))
        if hit:
            spans += _pieces(text, data, frozenset(hit))
            for form in hit:
                spans += _wrapped(form, text)
        return spans

    def _found(self, squeezed: bytes) -> set[_Form]:
        if self.automaton is None:
            return set()
        hits = self.automaton.find_matches_as_indexes(squeezed, overlapping=True)
        return {form for piece, _, _ in hits for form in self.forms_of[piece]}


_WHITESPACE_RE = re.compile(r"[ \t\n\r\v\f]+")


@dataclass
class KnownSecrets:
    """Every known secret value with the name it is shown by, and the matcher over them."""

    _values: dict[str, str] = field(default_factory=dict)  # value -> name
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _version: int = 0
    _built: tuple[tuple[int, tuple[tuple[str, str], ...]], _Matcher] | None = None

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

    def state(self, env: Mapping[str, str] | None = None) -> tuple[object, ...]:
        """What masking by value depends on: equal states mask a text equally."""
        return (self._version, tuple(secret_env_values(env)))

    def mask(
        self, text: str, env: Mapping[str, str] | None = None, data: bytes | None = None
    ) -> str:
        """`text` with every form of every known value (and of the env's secrets) masked;
        `data`, when given, is `utf8(text)` (a long text is encoded once for every pass)."""
        matcher = self._matcher(tuple(secret_env_values(env)))
        if matcher.automaton is None or not text:
            return text
        # Through line prefixes the skeleton suffices: it sees a value folded over lines, and
        # an encoded one is decoded whole by the hidden pass, which looks through them too.
        spans = through_prefixes(
            text,
            lambda seen: matcher.spans(seen, data),
            lambda view: matcher.skeletons.spans(view, utf8(view)),
        )
        return replace_spans(text, spans) if spans else text

    def _matcher(self, env_pairs: tuple[tuple[str, str], ...]) -> _Matcher:
        key = (self._version, env_pairs)
        built = self._built
        if built is not None and built[0] == key:
            return built[1]
        with self._lock:
            pairs = dict(self._values)
        for name, value in env_pairs:
            pairs.setdefault(value, name)
        matcher = _Matcher.build(pairs)
        self._built = (key, matcher)
        return matcher


def _pieces(text: str, data: bytes, hit: frozenset[_Form]) -> list[Span]:
    """Every 12 characters of a form found, wherever they are shown together."""
    forms_of, automaton = _pieces_of(hit)
    shown = automaton.find_matches_as_indexes(data, overlapping=True)
    if len(data) == len(text):
        return [(start, end, f"[REDACTED:{forms_of[p]}]") for p, start, end in shown]
    at = char_offsets(data, [o for _, start, end in shown for o in (start, end)])
    return [(at[start], at[end], f"[REDACTED:{forms_of[p]}]") for p, start, end in shown]


@functools.lru_cache(maxsize=64)
def _pieces_of(hit: frozenset[_Form]) -> tuple[list[str], ahocorasick_rs.BytesAhoCorasick]:
    """The names and the automaton of every 12 characters of the forms found."""
    by_piece: dict[str, str] = {}
    for form in sorted(hit, key=lambda f: -len(f.text)):
        for piece in _runs(form.text, True):
            by_piece.setdefault(piece, form.name)
    return list(by_piece.values()), _automaton(by_piece)


_GAP = r"(?:\s|\\[nrt]|\\)*"  # a line break, indentation or an escaped newline inside a value


@functools.lru_cache(maxsize=1024)
def _flexible(form: str) -> re.Pattern[str]:
    return re.compile(_GAP.join(re.escape(c) for c in form))


def _wrapped(form: _Form, text: str) -> list[Span]:
    """Where `form` is in `text` whole, perhaps wrapped or folded across lines."""
    label = f"[REDACTED:{form.name}]"
    return [(m.start(), m.end(), label) for m in _flexible(form.text).finditer(text)]


KNOWN = KnownSecrets()
