"""The model-visible copy of tool output never carries the values of the secret env vars in use.

A tool can print a secret (`printenv`, `cat .env`, a verbose client echoing its headers).
Its result goes to the model provider, the checkpoint database, spill files, events (the
terminal, Slack) and exports; masking it once, where the result is made, keeps the value
out of all of them. Only literal values are masked, and each says which variable it was, so
the model can still reason about it ("HF_TOKEN is set") without seeing it:

    >>> mask_secrets("token=hf_abcdefgh12345678", env={"HF_TOKEN": "hf_abcdefgh12345678"})
    'token=[REDACTED:HF_TOKEN]'

The variables are those `configs.settings.secret_env_names` lists (HF_TOKEN, OPENAI_API_KEY,
GITHUB_TOKEN, SLACK_BOT_TOKEN, any *_API_KEY / *_TOKEN / *_SECRET ...); values shorter than
8 characters are left alone, since masking them would mangle ordinary words. Token shapes
and `NAME=value` pairs are not touched here: that heuristic redaction (tools/redaction.py) is
for what leaves the machine, where a false positive costs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import ToolMessage

from configs.environment import secret_env_names

MIN_SECRET_CHARS = 8


def secret_env_values(env: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(name, value) of the secret variables in use, longest value first, each value once."""
    env = os.environ if env is None else env
    found: dict[str, str] = {}
    for name in sorted(secret_env_names(env)):
        value = env.get(name) or ""
        if len(value) >= MIN_SECRET_CHARS:
            found.setdefault(value, name)
    return sorted(((name, value) for value, name in found.items()), key=lambda p: -len(p[1]))


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
