"""Secrets in one place: which names are secret, masking for the model, redaction for the world.

Two strengths, one list of secret names:

- `mask_secrets` (tool output, before the model, the database, spill files and events see
  it): the values of the secret environment variables in use, each replaced by the
  variable's name, so the model can still reason about it ("HF_TOKEN is set"); secret
  shapes (private key blocks, HF/OpenAI/Anthropic/GitHub/Slack/Stripe/Google keys, AWS key
  ids), URL passwords and the values of secret-named settings (`DB_PASSWORD=...`,
  `aws_secret_access_key = ...`), each replaced by its kind. About 55 ms per MB
  (bench/masking.py)::

      >>> mask_secrets("token=hf_abcdefgh12345678", env={"HF_TOKEN": "hf_abcdefgh12345678"})
      'token=[REDACTED:HF_TOKEN]'

- `redact` (what leaves the machine: exports, uploads, Slack, logs): those values plus known
  token shapes, `Bearer ...` and `NAME=value` pairs whose name looks secret; a false positive
  costs nothing there.

Why not a detector library: detect-secrets 1.5.0 (Yelp; last release 2024-05), run with its
default plugins on the planted set and ordinary ML output of tests/tools/test_secret_masking.py,
caught 13 of 13 planted secrets but flagged 40+ values in 7 lines of ML output (sha256 hashes,
commit ids, base64 weights, `eos_token`) and took 8.4 s per MB of training log (ours: ~0.05 s,
0 false positives there). Its entropy heuristics suit a pre-commit scan, not every tool result.

Secret names: HF_TOKEN, OPENAI_API_KEY, GITHUB_TOKEN, SLACK_BOT_TOKEN, ... and any variable
ending in one of SECRET_WORDS (`*_API_KEY`, `*_TOKEN`, `*_SECRET`, `*_PASSWORD`, ...). Values
shorter than 8 characters are left alone: masking them would mangle ordinary words.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from langchain_core.messages import ToolMessage

from configs.environment import DOTENV_NAMES

SECRET_NAMES = (
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GITHUB_TOKEN",
    "SLACK_BOT_TOKEN",
)
# A variable whose name ends in `_<word>` holds a secret; `NAME=value` text with a word in
# the name is redacted.
SECRET_WORDS = (
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIALS",
    "CREDENTIAL",
    "DSN",
)
MIN_SECRET_CHARS = 8
MASK = "[REDACTED]"
_TOKEN_SHAPES = [
    r"hf_[A-Za-z0-9]{20,}",  # Hugging Face
    r"sk-ant-[A-Za-z0-9_\-]{16,}",  # Anthropic
    r"sk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{16,}",  # OpenAI
    r"gh[pousr]_[A-Za-z0-9]{20,}",  # GitHub
    r"github_pat_[A-Za-z0-9_]{20,}",
    r"xox[abprse]-[A-Za-z0-9\-]{10,}",  # Slack
    r"xapp-[A-Za-z0-9\-]{10,}",
    r"(?:AKIA|ASIA)[0-9A-Z]{16}",  # AWS access key id
]
_SHAPES = re.compile(r"\b(?:" + "|".join(_TOKEN_SHAPES) + r")")
_BEARER = re.compile(r"(\b[Bb]earer\s+)[A-Za-z0-9._~+/=\-]{8,}")
_WORDS = "|".join(word.replace("_", "_?") for word in SECRET_WORDS)
_SECRET_PAIR = re.compile(
    rf"""(\b[A-Za-z0-9_]*(?:{_WORDS})[A-Za-z0-9_]*["']?\s*[=:]\s*["']?)([^\s"',;]{{4,}})""",
    re.IGNORECASE,
)
_SUFFIXES = tuple(f"_{word}" for word in SECRET_WORDS)


def secret_env_names(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Names of environment variables whose values must never be shown or logged: the known
    ones, secret-looking names, and token-like values a loaded `.env` file defined."""
    env = os.environ if env is None else env
    extra = sorted(
        name
        for name in env
        if name not in SECRET_NAMES
        and (
            name.upper().endswith(_SUFFIXES)
            or (name in DOTENV_NAMES and _dotenv_secret(name, env[name]))
        )
    )
    return (*SECRET_NAMES, *extra)


_DOTENV_NAME_HINTS = ("KEY", "SECRET", "TOKEN", "PASS", "AUTH", "CRED", "PRIVATE", "SALT")
_DOTENV_NAME_HINTS += ("SIGN", "DSN")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]{16,}")


def _dotenv_secret(name: str, value: str) -> bool:
    """A `.env` value worth masking: a secret-ish name, or a token-like value (a run of 16+
    letters and digits mixing both). `MODEL=Qwen/Qwen2.5-0.5B-Instruct`, `DATA_DIR=/data`
    and UUIDs stay readable."""
    if len(value) < MIN_SECRET_CHARS:
        return False
    if any(hint in name.upper() for hint in _DOTENV_NAME_HINTS):
        return True
    return any(
        any(c.isdigit() for c in run) and any(c.isalpha() for c in run)
        for run in _ALNUM_RUN.findall(value)
    )


def secret_env_values(env: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(name, value) of the secret variables in use, longest value first, each value once."""
    env = os.environ if env is None else env
    found: dict[str, str] = {}
    for name in sorted(secret_env_names(env)):
        value = env.get(name) or ""
        if len(value) >= MIN_SECRET_CHARS:
            found.setdefault(value, name)
    return sorted(((name, value) for value, name in found.items()), key=lambda p: -len(p[1]))


def without_secrets(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`env` minus its secret variables: what a child process the user did not hand a token
    to may inherit (proxies, CA bundles, locale and tool managers keep working)."""
    env = os.environ if env is None else env
    secret = set(secret_env_names(env))
    return {k: v for k, v in env.items() if k not in secret and "CREDENTIAL" not in k.upper()}


# --- masking: what the model sees ----------------------------------------------------------


# Secret shapes worth masking even when no variable holds them (a key in a file, a log):
# (kind, a literal every match contains, the pattern). The literal gates the regex, so
# megabytes of logs without it cost a substring search, not a regex scan.
_MODEL_SHAPES: tuple[tuple[str, str, str], ...] = (
    ("private-key", "PRIVATE KEY-----", r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
    ("hf-token", "hf_", r"hf_[A-Za-z0-9]{30,}"),
    ("anthropic-key", "sk-ant-", r"sk-ant-[A-Za-z0-9_\-]{20,}"),
    ("openai-key", "sk-", r"sk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{20,}"),
    ("github-token", "gh", r"gh[pousr]_[A-Za-z0-9]{30,}"),
    ("github-token", "github_pat_", r"github_pat_[A-Za-z0-9_]{30,}"),
    ("slack-token", "xox", r"xox[abprse]-[A-Za-z0-9\-]{10,}"),
    ("slack-token", "xapp-", r"xapp-[A-Za-z0-9\-]{10,}"),
    ("stripe-key", "k_", r"[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"),
    ("aws-access-key-id", "A", r"(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("google-api-key", "AIza", r"AIza[0-9A-Za-z_\-]{35}"),
)  # fmt: skip
_SHAPE_RES = tuple((kind, marker, re.compile(rx)) for kind, marker, rx in _MODEL_SHAPES)
# `scheme://user:password@host`: only the password goes.
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^\s:/@]+:)([^\s@/]{3,})(@)")
# `name = value` where the name ends in a secret word (`aws_secret_access_key = ...`,
# `DB_PASSWORD: ...`); `TOKEN` only in upper-case names, so `eos_token: <|end|>` stays.
_VALUE = r"""(?P<sep>["']?\s*[=:]\s*["']?)(?P<value>[^\s"',;]{8,})"""
_NAMED_WORDS = ("secret", "password", "passwd", "api_key", "apikey", "access_key", "accesskey")
_NAMED_WORDS += ("private_key", "privatekey", "credential")
_NAMED_VALUE = re.compile(
    r"(?P<word>(?i:secret|password|passwd|api_?key|access_?key|private_?key|credentials?))" + _VALUE
)
_NAMED_TOKEN = re.compile(r"(?P<word>_TOKEN)" + _VALUE)


def mask_secrets(text: str, env: Mapping[str, str] | None = None) -> str:
    """`text` with every secret replaced by `[REDACTED:<what it was>]`: the values of secret
    variables in use (named), secret shapes (private keys, provider keys), URL passwords and
    values of secret-named settings. The model still learns that something was there."""
    for name, value in secret_env_values(env):
        if value in text:
            text = text.replace(value, f"[REDACTED:{name}]")
    for kind, marker, pattern in _SHAPE_RES:
        if marker in text:
            text = pattern.sub(partial(_mask_shape, f"[REDACTED:{kind}]"), text)
    if "://" in text and "@" in text:
        text = _on_lines(text, lambda ln: "://" in ln and "@" in ln, _URL_PASSWORD, _mask_url)
    lowered = text.lower()
    if any(word in lowered for word in _NAMED_WORDS):
        named = lambda line: any(word in line.lower() for word in _NAMED_WORDS)  # noqa: E731
        text = _on_lines(text, named, _NAMED_VALUE, _mask_named)
    if "_TOKEN" in text:
        text = _on_lines(text, lambda line: "_TOKEN" in line, _NAMED_TOKEN, _mask_named)
    return text


def _on_lines(
    text: str,
    wanted: Callable[[str], bool],
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
) -> str:
    """`pattern` applied only to the lines `wanted` picks: a scan of megabytes of logs costs
    substring checks, not a regex whose start cannot be searched for quickly."""
    lines = text.split("\n")
    changed = False
    for i, line in enumerate(lines):
        if wanted(line):
            lines[i] = pattern.sub(repl, line)
            changed = True
    return "\n".join(lines) if changed else text


def _mask_url(match: re.Match[str]) -> str:
    return f"{match.group(1)}[REDACTED:url-password]{match.group(3)}"


def _mask_shape(mask: str, match: re.Match[str]) -> str:
    before = match.string[match.start() - 1] if match.start() else " "
    return match.group(0) if before.isalnum() or before == "_" else mask


def _mask_named(match: re.Match[str]) -> str:
    """`<name><sep><value>` with the value masked and labelled by the whole variable name."""
    value, text, start = match.group("value"), match.string, match.start()
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1  # back to the start of the name the secret word ends
    name = text[start : match.start()] + match.group("word")
    if value.startswith("[REDACTED") or value.isdigit() or (not name.isupper() and "TOKEN" in name):
        return match.group(0)
    return f"{match.group('word')}{match.group('sep')}[REDACTED:{name}]"


def mask_data(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """`mask_secrets` applied to every string inside dicts, lists and tuples (progress events)."""
    return _each_string(value, lambda text: mask_secrets(text, env))


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
        masked: Any = mask_secrets(content, env)
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
    for _name, value in secret_env_values(env):
        text = text.replace(value, MASK)
    text = _SHAPES.sub(MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _SECRET_PAIR.sub(_redact_pair, text)


_PLAIN_VALUES = frozenset({"true", "false", "null", "none"})


def _redact_pair(match: re.Match[str]) -> str:
    """`name=value` with the value redacted, unless it is a number or a literal: usage counts
    (`"input_tokens": 1234`) are not secrets, and redacting them would break the JSON."""
    value = match.group(2).rstrip("}])")  # `"n": 3}}` ends a JSON object
    if value.isdigit() or value.lower() in _PLAIN_VALUES:
        return match.group(0)
    return match.group(1) + MASK


def redact_data(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """`redact` applied to every string inside dicts, lists and tuples."""
    return _each_string(value, lambda text: redact(text, env))
