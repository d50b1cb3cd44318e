"""Redaction: secrets never leave the thread (exports, uploads, Slack, logs).

Known token shapes, `Bearer ...`, `NAME=value` pairs whose name looks secret, and
the literal values of the secret environment variables in use are replaced.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from configs.environment import secret_env_names

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
_SECRET_PAIR = re.compile(
    r"""(\b[A-Za-z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|PRIVATE_KEY)[A-Za-z0-9_]*"""
    r"""["']?\s*[=:]\s*["']?)([^\s"',;]{4,})""",
    re.IGNORECASE,
)
_MIN_LITERAL = 8  # shorter values would mask ordinary words


def secret_values(env: Mapping[str, str] | None = None) -> list[str]:
    """Values of the secret environment variables in use, longest first."""
    env = os.environ if env is None else env
    values = {env[name] for name in secret_env_names(env) if len(env.get(name, "")) >= _MIN_LITERAL}
    return sorted(values, key=len, reverse=True)


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    for value in secret_values(env):
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
