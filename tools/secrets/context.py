"""Secrets found by where they are written: keyword-in-context for settings and CSV columns.

A setting whose name has a secret word (`key`, `pass`, `pwd`, `token`, `secret`, `credential`,
`auth`, ...) as a whole word of the name, in YAML (`pass: x`), TOML/INI (`api_key = "x"`),
JSON (`"client_secret": "x"`), env files, netrc (`password x`) or a CSV whose header names
such a column, has its value masked when the value looks random (`looks_random`):
`eos_token: <|endoftext|>`, `max_new_tokens: 512`, `key: input_ids`, `api_key: ${KEY}` and
`password: ********` stay. The places to look are the `setting` marks of our own rule in the
rule set's pass (own_rules.yml); `_AFTER_NAME` below is the same rule, judged here.
"""

from __future__ import annotations

import functools
import math
import re
import string
from collections import Counter

_WORDS = frozenset(
    {"key", "apikey", "pass", "passwd", "password", "pwd", "token", "secret", "credential"}
    | {"credentials", "auth", "authorization", "accountkey", "sharedaccesskey", "dsn", "salt"}
    | {"accesskey", "secretkey", "privatekey", "clientsecret", "passphrase", "signature"}
)
_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_SETTING = re.compile(
    rf"""(?P<name>["']?(?P<bare>{_NAME})["']?)(?P<sep>[ \t]*[:=][ \t]*|[ \t]+)"""
    r"""(?P<q>["']?)(?P<value>[^\s"',;]+)"""
)
_WORD_SPLIT = re.compile(r"[_.\-]|(?<=[a-z0-9])(?=[A-Z])")
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?[A-Za-z_][\w:\-]*\}?|%[A-Za-z_]+%|\{\{.*\}\}|<.*>|\[REDACTED.*|[*xX.•]+|"
    r"(?i:changeme|change_me|password|secret|example|your[_-].*|none|null|true|false))$"
)
_IDENTIFIER = re.compile(r"^(?:[a-z]+(?:[_.\-][a-z]+)*|[A-Za-z][a-z]+(?:[A-Z][a-z]+)*|[A-Z_]+)$")


def is_secret_setting(name: str) -> bool:
    """A name with a secret word as a whole word of it: `db_pass`, `clientSecret`, `KAGGLE_KEY`;
    not `tokenizer_class`, `max_new_tokens` or `keyboard`."""
    words = {w.lower() for w in _WORD_SPLIT.split(name) if w}
    return bool(words & _WORDS)


def looks_random(value: str) -> bool:
    """A value that could be a credential: 8+ characters, not a placeholder, a number, a word or
    an identifier; two kinds of characters at least and some entropy."""
    if len(value) < 8 or value.isdigit() or _PLACEHOLDER.match(value) or _IDENTIFIER.match(value):
        return False
    if value.startswith(("/", "./", "~/", "http://", "https://")) or any(c in value for c in "([{"):
        return False
    kinds = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return kinds >= 2 and entropy >= 2.5


_PASS_WORDS = frozenset({"password", "passwd", "pass", "pwd", "passphrase"})


def _passphrase(name: str, value: str) -> bool:
    """A password setting takes words too (`correct-horse-battery`), not one plain word."""
    words = {w.lower() for w in _WORD_SPLIT.split(name) if w}
    plain = value.isdigit() or value.isalpha() or bool(_PLACEHOLDER.match(value))
    return bool(words & _PASS_WORDS) and len(value) >= 8 and not plain


def setting_spans(text: str, marks: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """The values to mask around the rule's marks (a secret word, a separator and 8 value
    characters, or a CSV column name): every secret word inside a mark is judged, as a later
    one may start inside an earlier one's match."""
    spans: list[tuple[int, int, str]] = []
    done: set[int] = set()
    for start, end in marks:
        window = text[start : end + _LONGEST_HINT - 1].translate(_ASCII_LOWER)
        for p in _occurrences(window):
            if p < end - start:  # a word that starts inside the match
                spans += _judged(text, start + p, done)
    return spans


def _judged(text: str, p: int, done: set[int]) -> list[tuple[int, int, str]]:
    """A secret word at `p`: its setting's value, or its CSV header's columns (each once)."""
    after = _AFTER_NAME.match(text, p)
    if after is None:
        return []
    start = p
    while start > 0 and text[start - 1] in _NAME_CHARS:
        start -= 1
    if after.group("csv") is not None:
        line_start = text.rfind("\n", 0, start) + 1
        if -line_start - 1 in done:
            return []
        done.add(-line_start - 1)
        return _csv_cells(text, line_start)
    if start in done:
        return []
    done.add(start)
    end = _NAME_END.match(text, p).end()  # type: ignore[union-attr]
    if not _secret_name(text[start:end]):
        return []
    return _setting_value(text, start - (start > 0 and text[start - 1] in "\"'"))


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# After a secret word: the rest of a setting's name, a separator and 8 value characters that
# are not a placeholder's (`<`, `$`, `%`, `{`, `*`, `[`); or the rest of a CSV column name.
_AFTER_NAME = re.compile(
    r"""[a-z0-9_.\-]*+(?:["']?(?:[ \t]*+[:=][ \t]*+["']?|[ \t]++)[^\s"',;<$%{*\[]{8}"""
    r"""|(?P<csv>[a-z0-9 _().\-]*+(?:,|\r?\n|\r?$)))""",
    re.IGNORECASE,
)
_NAME_END = re.compile(r"[A-Za-z0-9_.\-]*")
_HINTS = ("key", "pass", "pwd", "token", "secret", "cred", "auth", "salt")
_LONGEST_HINT = max(map(len, _HINTS))
_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")


def _occurrences(lowered: str) -> list[int]:
    found = []
    for word in _HINTS:
        p = lowered.find(word)
        while p != -1:
            found.append(p)
            p = lowered.find(word, p + len(word))
    return sorted(found)


@functools.lru_cache(maxsize=4096)
def _secret_name(name: str) -> bool:
    return is_secret_setting(name)


def _setting_value(text: str, start: int) -> list[tuple[int, int, str]]:
    match = _SETTING.match(text, start)
    if match is None:
        return []
    label = _masked_as(match.group("bare"), match.group("sep"), match.group("value"))
    return [(match.start("value"), match.end("value"), label)] if label else []


@functools.lru_cache(maxsize=4096)
def _masked_as(name: str, sep: str, value: str) -> str | None:
    """The mask for `name<sep>value`, or None when the value stays (logs repeat settings)."""
    if sep.strip() == "" and name.lower() not in ("password", "passwd"):
        return None  # `name value` only in netrc's shape
    if not (looks_random(value) or _passphrase(name, value)):
        return None
    return f"[REDACTED:{name}]"


def _csv_cells(text: str, line_start: int) -> list[tuple[int, int, str]]:
    """A CSV header naming a secret column (`Password`, `Secret access key`): that column's
    random-looking cells on the lines below are masked (after `read`/grep prefixes too)."""
    line_end = text.find("\n", line_start)
    line_end = len(text) if line_end == -1 else line_end
    header = text[line_start:line_end]
    columns = header[_prefix_end(header) :].split(",")
    if len(columns) < 2 or not all(_COLUMN.match(c) for c in columns):
        return []
    secret = [j for j, c in enumerate(columns) if is_secret_setting(c.strip().replace(" ", "_"))]
    spans: list[tuple[int, int, str]] = []
    while secret and line_end < len(text):
        start = line_end + 1
        line_end = text.find("\n", start)
        line_end = len(text) if line_end == -1 else line_end
        line = text[start:line_end]
        cut = _prefix_end(line)
        cells = line[cut:].split(",")
        if len(cells) != len(columns):
            break
        offsets = [start + cut + sum(len(c) + 1 for c in cells[:j]) for j in range(len(cells))]
        spans += [
            (offsets[j], offsets[j] + len(cells[j]), f"[REDACTED:{columns[j].strip()}]")
            for j in secret
            if looks_random(cells[j].strip())
        ]
    return spans


# What a tool puts before a file's line: `read`'s number and tab, grep's `path:line:`.
_LINE_PREFIX = re.compile(r"^(?:[ \t]*\d+\t|[^\s:]+:\d+[:-])")


def _prefix_end(line: str) -> int:
    match = _LINE_PREFIX.match(line)
    return match.end() if match else 0


_COLUMN = re.compile(r"^\s*[A-Za-z_][\w ()\-]{0,40}\s*$")
