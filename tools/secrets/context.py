"""Secrets found by where they are written: keyword-in-context, private keys, URL passwords.

- A setting whose name has a secret word (`key`, `pass`, `pwd`, `token`, `secret`, `credential`,
  `auth`, ...) as a whole word of the name, in YAML (`pass: x`), TOML/INI (`api_key = "x"`),
  JSON (`"client_secret": "x"`), env files, netrc (`password x`) or a CSV whose header names
  such a column, has its value masked when the value looks random (`looks_random`):
  `eos_token: <|endoftext|>`, `max_new_tokens: 512`, `key: input_ids`, `api_key: ${KEY}` and
  `password: ********` stay.
- Private key blocks: whole, cut short (`head -2`), JSON-escaped, or with their lines sorted
  (any base64 line in a text that has a private key marker goes).
- `scheme://user:password@host` (also `redis://:password@host`) loses the password;
  `Authorization: Basic|Bearer <credential>` loses the credential.
"""

from __future__ import annotations

import functools
import math
import re
import string
from collections import Counter

from tools.secrets.known import replace_spans

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


def mask_settings(text: str) -> str:
    """Keyword-in-context: only the names around a secret word's occurrences are looked at,
    and only when a separator and an 8-character value (or a CSV comma) follow, so a long log
    costs substring searches, not a regex tried at every position."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare letter lowers to two: offsets must hold
        lowered = text.translate(_ASCII_LOWER)
    spans: list[tuple[int, int, str]] = []
    done: set[int] = set()
    for p in _occurrences(lowered):
        after = _AFTER_NAME.match(lowered, p)
        if after is None:
            continue
        setting = after.group("csv") is None
        start = p
        while start > 0 and text[start - 1] in _NAME_CHARS:
            start -= 1
        if setting and start not in done:
            done.add(start)
            end = _NAME_END.match(text, p).end()  # type: ignore[union-attr]
            if _secret_name(text[start:end]):
                spans += _setting_value(text, start - (start > 0 and text[start - 1] in "\"'"))
        line_start = text.rfind("\n", 0, start) + 1
        if not setting and -line_start - 1 not in done:
            done.add(-line_start - 1)
            spans += _csv_cells(text, line_start)
    return replace_spans(text, spans) if spans else text


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# After a secret word: the rest of a setting's name, a separator and 8 value characters that
# are not a placeholder's (`<`, `$`, `%`, `{`, `*`, `[`); or the rest of a CSV column name.
_AFTER_NAME = re.compile(
    r"""[a-z0-9_.\-]*+(?:["']?(?:[ \t]*+[:=][ \t]*+["']?|[ \t]++)[^\s"',;<$%{*\[]{8}"""
    r"""|(?P<csv>[a-z0-9 _().\-]*+(?:,|\r?\n|\r?$)))"""
)
_NAME_END = re.compile(r"[A-Za-z0-9_.\-]*")
_HINTS = ("key", "pass", "pwd", "token", "secret", "cred", "auth", "salt")
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
_KEY_MARK = re.compile(r"-----(?:BEGIN|END) [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")
_KEY_BLOCK = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----"
    r"(?:[A-Za-z0-9+/=\s]|\\[nr]|(?:Proc-Type|DEK-Info|Comment):[^\n\\]*)*"
    r"(?:-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----)?"
)
_BASE64_LINE = re.compile(r"(?m)^([ \t]*(?:\d+[ \t:|]+)?)[A-Za-z0-9+/]{16,}={0,2}[ \t]*$")


def has_key_marker(text: str) -> bool:
    return "PRIVATE KEY" in text and bool(_KEY_MARK.search(text))


def mask_private_keys(text: str) -> str:
    """Private key blocks, whole or cut short, and every base64 line near a key marker."""
    if not has_key_marker(text):
        return text
    return mask_base64_lines(_KEY_BLOCK.sub("[REDACTED:private-key]", text))


def mask_base64_lines(text: str) -> str:
    """Every line that is only base64 (a private key's body, in any order)."""
    return _BASE64_LINE.sub(lambda m: m.group(1) + "[REDACTED:private-key]", text)


_URL_PASSWORD = re.compile(r"(://[^\s:/@]*:)([^\s@/]{3,})(@)")  # starts at "://": fast
_AUTH_HEADER = re.compile(r"(Basic|Bearer)([ \t]+)([A-Za-z0-9+/=._~\-]{12,})")
_AWS_KEY_ID = re.compile(r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])")


# Tokens the rule set misses in prose: its rules want a delimiter after a token, and in
# "push with hf_abc." a full stop follows. (kind, a literal it contains, the pattern)
_TOKENS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (kind, marker, re.compile(rx))
    for kind, marker, rx in (
        ("hf-token", "hf_", r"hf_[A-Za-z0-9]{30,}"),
        ("api-key", "sk-", r"sk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),
        ("github-token", "gh", r"gh[pousr]_[A-Za-z0-9]{30,}"),
        ("github-token", "github_pat_", r"github_pat_[A-Za-z0-9_]{30,}"),
        ("gitlab-token", "glpat-", r"glpat-[A-Za-z0-9_\-]{20,}"),
        ("slack-token", "xox", r"xox[abprse]-[A-Za-z0-9\-]{10,}"),
        ("stripe-key", "k_live_", r"[rs]k_live_[A-Za-z0-9]{16,}"),
    )
)


def mask_shapes(text: str) -> str:
    """Main providers' tokens in prose, URL passwords, Authorization credentials, AWS key
    ids on their own."""
    for kind, marker, pattern in _TOKENS:
        if marker in text:
            text = pattern.sub(functools.partial(_whole_token, f"[REDACTED:{kind}]"), text)
    if "://" in text and "@" in text:
        text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}[REDACTED:url-password]{m.group(3)}", text)
    if "Basic" in text or "Bearer" in text:
        text = _AUTH_HEADER.sub(_mask_auth, text)
    if "A" in text:  # one regex pass is cheaper than four substring searches
        text = _AWS_KEY_ID.sub(
            functools.partial(_whole_token, "[REDACTED:aws-access-key-id]"), text
        )
    return text


def _whole_token(mask: str, match: re.Match[str]) -> str:
    """A token starts a word: `xhf_...` inside a longer run is not one."""
    before = match.string[match.start() - 1] if match.start() else " "
    return match.group(0) if before.isalnum() or before == "_" else mask


def _mask_auth(match: re.Match[str]) -> str:
    if not looks_random(match.group(3)):
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}[REDACTED:{match.group(1).lower()}-credential]"
