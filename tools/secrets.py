"""Secrets in one place: which names are secret, masking for the model, redaction for the world.

Two strengths, one list of secret names:

- `mask_secrets` (tool output, before the model, the database, spill files and events see
  it): only the literal values of the secret environment variables in use, each replaced by
  the variable's name, so the model can still reason about it ("HF_TOKEN is set")::

      >>> mask_secrets("token=hf_abcdefgh12345678", env={"HF_TOKEN": "hf_abcdefgh12345678"})
      'token=[REDACTED:HF_TOKEN]'

- `redact` (what leaves the machine: exports, uploads, Slack, logs): those values plus known
  token shapes, `Bearer ...` and `NAME=value` pairs whose name looks secret; a false positive
  costs nothing there.

Secret names: HF_TOKEN, OPENAI_API_KEY, GITHUB_TOKEN, SLACK_BOT_TOKEN, ... and any variable
ending in one of SECRET_WORDS (`*_API_KEY`, `*_TOKEN`, `*_SECRET`, `*_PASSWORD`, ...). Values
shorter than 8 characters are left alone: masking them would mangle ordinary words.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import ToolMessage

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
    """Names of environment variables whose values must never be shown or logged."""
    env = os.environ if env is None else env
    extra = sorted(
        name for name in env if name.upper().endswith(_SUFFIXES) and name not in SECRET_NAMES
    )
    return (*SECRET_NAMES, *extra)


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


def mask_secrets(text: str, env: Mapping[str, str] | None = None) -> str:
    """`text` with every secret value replaced by `[REDACTED:<VARIABLE>]`."""
    for name, value in secret_env_values(env):
        if value in text:
            text = text.replace(value, f"[REDACTED:{name}]")
    return text


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
    return _SECRET_PAIR.sub(lambda m: m.group(1) + MASK, text)


def redact_data(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """`redact` applied to every string inside dicts, lists and tuples."""
    if isinstance(value, str):
        return redact(value, env)
    if isinstance(value, Mapping):
        return {key: redact_data(item, env) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item, env) for item in value]
    return value
