"""Secrets found by their shape where the rule set misses them: private keys, tokens in prose,
URL passwords, Authorization credentials, AWS key ids on their own.

- Private key blocks: whole, cut short (`head -2`), JSON-escaped, or with their lines sorted
  (any base64 line in a text that has a private key marker goes).
- The main providers' tokens in prose: the rule set's rules want a delimiter after a token,
  and in "push with hf_abc." a full stop follows.
- `scheme://user:password@host` (also `redis://:password@host`) loses the password;
  `Authorization: Basic|Bearer <credential>` loses a random-looking credential.

The shapes are our own rules in own_rules.yml, found in the rule set's pass; this module
judges each match (a token must start a word, an AWS key id end one).
"""

from __future__ import annotations

import re

from tools.secrets.context import looks_random

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


_TOKENS = frozenset(
    {"hf-token", "api-key", "github-token", "gitlab-token", "slack-token", "stripe-key"}
)


def shape_spans(text: str, marks: list[tuple[str, int, int]]) -> list[tuple[int, int, str]]:
    """The spans to mask among the shape rules' matches `(kind, start, end)`."""
    spans: list[tuple[int, int, str]] = []
    for kind, start, end in marks:
        if kind in _TOKENS or kind == "aws-access-key-id":
            if _starts_word(text, start) and (kind in _TOKENS or _ends_word(text, end)):
                spans.append((start, end, f"[REDACTED:{kind}]"))
        elif kind == "url-password":  # `://user:password@`: the user has no colon
            spans.append((text.index(":", start + 3) + 1, end - 1, "[REDACTED:url-password]"))
        elif kind == "auth-credential":  # `Basic|Bearer <spaces> credential`
            scheme = text[start : start + (5 if text.startswith("Basic", start) else 6)]
            credential = text[start + len(scheme) : end].lstrip(" \t")
            if looks_random(credential):
                spans.append(
                    (end - len(credential), end, f"[REDACTED:{scheme.lower()}-credential]")
                )
    return spans


def _starts_word(text: str, start: int) -> bool:
    """`xhf_...` inside a longer run is not a token."""
    before = text[start - 1] if start else " "
    return not (before.isalnum() or before == "_")


def _ends_word(text: str, end: int) -> bool:
    after = text[end] if end < len(text) else " "
    return not (after.isascii() and after.isalnum())
