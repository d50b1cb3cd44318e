"""Secrets in one place: what is secret, masking for the model, redaction for the world.

`mask_secrets` runs on every text the model can see (tool results, MCP results, research
reports, job logs, web pages, skills, AGENTS.md and the rest of the system prompt) before the
model, the thread database, spill files and events see it. Each secret is replaced by
`[REDACTED:<what it was>]` so the model still knows something was there::

    >>> mask_secrets("token=hf_abcdefgh12345678", env={"HF_TOKEN": "hf_abcdefgh12345678"})
    'token=[REDACTED:HF_TOKEN]'

1. known values in every form (known.py): secret env variables (names.py), `.env*` files in
   the workspace at any depth, credential files (sources.py), the HF token, MCP servers' env;
   also reversed, re-cased or cut into chunks with any separators (skeleton.py);
2. private keys, whole, cut short or line-sorted (shapes.py);
3. one Vectorscan pass (rules.py) with a maintained rule set (Kingfisher's ~490 provider
   rules, base64 included) and our own rules (own_rules.yml), whose matches are judged by
   shapes.py (tokens in prose, URL passwords, `Authorization` credentials, AWS key ids) and
   context.py (keyword-in-context for config files, with a shape check);
4. what the text hides (hidden.py): base64 and hex runs decoded once, adjacent string
   literals joined, each masked by 1-3 and masked whole when it held a secret.

Numbered views (`read`, `grep`, `cat -n`, `grep -n`) are searched for known values and joined
literals as if their line prefixes were not there, each line's piece masked and its prefix kept
(line_prefixes.py): a token split over two lines is one text to whoever reads the file.

`redact` (what leaves the machine: exports, uploads, Slack, logs) masks the same and more:
`Bearer ...` and any `NAME=value` whose name looks secret; a false positive costs nothing there.
Cost and bad inputs: bench/masking.py.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from tools.secrets.context import setting_spans
from tools.secrets.hidden import mask_hidden
from tools.secrets.known import KNOWN, forms
from tools.secrets.names import (
    MIN_SECRET_CHARS,
    SECRET_NAMES,
    SECRET_WORDS,
    is_secret_name,
    secret_env_names,
    secret_env_values,
    without_secrets,
)
from tools.secrets.rules import scan
from tools.secrets.shapes import (
    has_key_marker,
    mask_base64_lines,
    mask_private_keys,
    shape_spans,
)
from tools.secrets.spans import replace_spans, utf8

if TYPE_CHECKING:  # a light import: `threads list` redacts without loading langchain
    from langchain_core.messages import ToolMessage

__all__ = [
    "KNOWN",
    "MASK",
    "MIN_SECRET_CHARS",
    "SECRET_NAMES",
    "SECRET_WORDS",
    "StreamMasker",
    "forms",
    "is_secret_name",
    "mask_data",
    "mask_secrets",
    "mask_seen",
    "masked_tool_message",
    "redact",
    "redact_data",
    "remember_server_secrets",
    "secret_env_names",
    "secret_env_values",
    "without_secrets",
]
MASK = "[REDACTED]"
_SHAPES = re.compile(
    r"\b(?:hf_[A-Za-z0-9]{20,}|sk-ant-[A-Za-z0-9_\-]{16,}|sk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{16,}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprse]-[A-Za-z0-9\-]{10,}"
    r"|xapp-[A-Za-z0-9\-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16})"
)
_BEARER = re.compile(r"(\b[Bb]earer\s+)[A-Za-z0-9._~+/=\-]{8,}")
_WORDS = "|".join(
    (
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_?KEY",
        "APIKEY",
        "ACCESS_?KEY",
        "PRIVATE_?KEY",
        "CREDENTIALS?",
        "DSN",
    )
)
_SECRET_PAIR = re.compile(
    rf"""(\b[A-Za-z0-9_]*(?:{_WORDS})[A-Za-z0-9_]*["']?\s*[=:]\s*["']?)([^\s"',;]{{4,}})""",
    re.IGNORECASE,
)


def remember_server_secrets(connection: Mapping[str, Any]) -> None:
    """An MCP server's configured env values and headers are known secrets: the server may
    print them, and its output goes to the model."""
    for group in ("env", "headers"):
        for name, value in (connection.get(group) or {}).items():
            if isinstance(value, str) and (is_secret_name(name) or len(value) >= 16):
                KNOWN.add(name, value.removeprefix("Bearer ").strip())


def mask_secrets(text: str, env: Mapping[str, str] | None = None, *, rule_set: bool = True) -> str:
    """`text` with every secret found replaced by `[REDACTED:<what>]` (in the order above); `env`
    (default: this process's) adds its secret variables to the known values. `rule_set=False`
    leaves Kingfisher's rules out (~0.5 s CPU to load once per process); ours stay."""
    if not text:
        return text
    data = utf8(text)  # encoded once for every pass that leaves the text as it is
    unhidden = mask_hidden(text, lambda inner: _mask_plain(inner, env, rule_set), data)
    return _mask_plain(unhidden, env, rule_set, data if unhidden is text else None)


def _mask_plain(
    text: str, env: Mapping[str, str] | None, rule_set: bool, data: bytes | None = None
) -> str:
    """Known values, private keys and the rules, on the text as it is written (`data`, when
    given, is `utf8(text)`)."""
    plain = text
    text = mask_private_keys(KNOWN.mask(text, env, data))
    found = scan(text, rule_set=rule_set, data=data if text is plain else None)
    if not found.spans and not found.marks:
        return text
    settings = [(start, end) for kind, start, end in found.marks if kind == "setting"]
    spans = shape_spans(text, found.marks) + setting_spans(text, settings) + found.spans
    return replace_spans(text, spans) if spans else text


def mask_seen(text: str, env: Mapping[str, str] | None = None) -> str:
    """`mask_secrets(text, env)`, not worked out again for a text masked before while the known
    secrets stayed the same (a new value, or a secret variable changed, masks it again): the
    system prompt on every model call, a file read again, a command's unchanged output."""
    if len(text) > _SEEN_CHARS:
        return mask_secrets(text, env)
    key = (text, KNOWN.state(env))
    with _seen_lock:
        masked = _seen.pop(key, None)
    if masked is None:
        masked = mask_secrets(text, env)
    with _seen_lock:
        if len(_seen) >= _SEEN_TEXTS:
            _seen.pop(next(iter(_seen)))  # the one seen longest ago
        _seen[key] = masked
    return masked


_SEEN_TEXTS = 16  # a session's prompts (the agent's, its research sub-agent's) and results
_SEEN_CHARS = 256_000  # longer texts are masked each time (at most 16 shorter ones kept)
_SEEN_FROM = 2_000  # a shorter result costs less to mask than to look up (the env is read)
_seen: dict[tuple[str, tuple[object, ...]], str] = {}
_seen_lock = threading.Lock()


def mask_data(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """`mask_secrets` applied to every string inside dicts, lists and tuples (progress events)."""
    return _each_string(value, lambda text: mask_secrets(text, env))


class StreamMasker:
    """Masks one call's progress events in order, remembering what one event cannot show
    alone: after a private key marker, later base64 lines of the stream are key lines."""

    def __init__(self) -> None:
        self.key_seen = False

    def __call__(self, event: Any) -> Any:
        return _each_string(event, self._mask)

    def _mask(self, text: str) -> str:
        self.key_seen = self.key_seen or has_key_marker(text)
        text = mask_secrets(text)
        return mask_base64_lines(text) if self.key_seen else text


def _each_string(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, Mapping):
        return {key: _each_string(item, change) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_each_string(item, change) for item in value]
    return value


def masked_tool_message(message: ToolMessage, env: Mapping[str, str] | None = None) -> ToolMessage:
    """The message with its content masked (a string or text blocks); itself if nothing changed."""
    content: Any = message.content
    if isinstance(content, str):
        masked: Any = (
            mask_seen(content, env) if len(content) >= _SEEN_FROM else mask_secrets(content, env)
        )
    elif isinstance(content, list):
        masked = [_masked_block(block, env) for block in content]
    else:
        return message
    return message if masked == content else message.model_copy(update={"content": masked})


def _masked_block(block: Any, env: Mapping[str, str] | None) -> Any:
    if isinstance(block, str):
        return mask_secrets(block, env)
    if isinstance(block, dict) and isinstance(block.get("text"), str):
        return {**block, "text": mask_secrets(block["text"], env)}
    return block


# --- redaction: what leaves the machine --------------------------------------------------------


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """For what leaves the machine: `mask_secrets` without the rule set, then broader shapes,
    `Bearer` values and `NAME=value` pairs with a secret-looking name, as `[REDACTED]`. What
    is stored was masked with the rule set on its way in (tool results, the system prompt);
    a command that lists thread titles must not wait for 490 rules to load."""
    text = _LABEL.sub(MASK, mask_secrets(text, env, rule_set=False))
    text = _SHAPES.sub(MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _SECRET_PAIR.sub(_redact_pair, text)


_LABEL = re.compile(r"\[REDACTED:[^\]\n]*\]")
_PLAIN_VALUES = frozenset({"true", "false", "null", "none"})


def _redact_pair(match: re.Match[str]) -> str:
    """`name=value` with the value redacted, unless it is a number or a literal: usage counts
    (`"input_tokens": 1234`) are not secrets, and redacting them would break the JSON."""
    value = match.group(2).rstrip("}])")  # `"n": 3}}` ends a JSON object
    if value.isdigit() or value.lower() in _PLAIN_VALUES or value.startswith(MASK):
        return match.group(0)
    return match.group(1) + MASK


def redact_data(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """`redact` applied to every string inside dicts, lists and tuples."""
    return _each_string(value, lambda text: redact(text, env))
