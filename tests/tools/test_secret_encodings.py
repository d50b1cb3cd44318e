"""A known token is masked in every encoding a tool can print it in (issue 60: another person's
Hub token came back base32-encoded, and masking let it through).

Two kinds of token: one the process knows (a signed-in person's Hub token, registered by the
server; here a value with no token shape, so only the known-value automaton can find it), and
one it does not know but whose shape the rules know (`hf_...`): encoded runs are decoded once
and the rules see what they hold. Both through the real tool path: a headless session's bash
prints them, and the scripted model never receives one.
"""

from __future__ import annotations

import base64
import codecs
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results

KNOWN_TOKEN = "Wd3kP9sQz7Lm2XvB8nRt5YcH1gJf6AeKq4Tu"  # no shape: found by value only
SHAPED_TOKEN = "hf_ShapedButUnknownToken0123456789abc"  # unknown: found by its shape only


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode()


ENCODINGS: dict[str, Callable[[bytes], str]] = {
    "base32": _b32,
    "base32 without padding": lambda raw: _b32(raw).rstrip("="),
    "base32 lower case": lambda raw: _b32(raw).lower(),
    "base32 inside a blob": lambda raw: _b32(b"token=" + raw + b";"),
    "base32hex": lambda raw: base64.b32hexencode(raw).decode(),
    "base32hex lower, no padding": lambda raw: base64.b32hexencode(raw).decode().lower().strip("="),
    "hex lower": lambda raw: raw.hex(),
    "hex upper": lambda raw: raw.hex().upper(),
    "base64": lambda raw: base64.b64encode(raw).decode(),
    "base64 without padding": lambda raw: base64.b64encode(raw).decode().rstrip("="),
    "base64url": lambda raw: base64.urlsafe_b64encode(raw).decode(),
    "base64url without padding": lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("="),
    "base64 inside a blob": lambda raw: base64.b64encode(b"id: " + raw).decode(),
    "rot13": lambda raw: codecs.encode(raw.decode(), "rot13"),
}


def shown(token: str) -> dict[str, str]:
    return {name: encode(token.encode()) for name, encode in ENCODINGS.items()}


@pytest.fixture
def known_token() -> str:
    from tools.secrets import KNOWN

    KNOWN.add("HF_TOKEN", KNOWN_TOKEN)  # as the server does for a signed-in person's token
    return KNOWN_TOKEN


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_a_known_token_is_masked_in_every_encoding(known_token: str, encoding: str) -> None:
    from langchain_core.messages import ToolMessage

    from tools.secrets import masked_tool_message

    text = shown(known_token)[encoding]
    message = ToolMessage(content=f"stdout:\n{text}\nexit 0", tool_call_id="t1")
    masked = str(masked_tool_message(message, env={}).content)
    assert "[REDACTED:HF_TOKEN]" in masked and text not in masked, masked
    assert masked.startswith("stdout:\n") and masked.endswith("\nexit 0")


@pytest.mark.parametrize("encoding", sorted(set(ENCODINGS) - {"rot13"}))
def test_an_unknown_hub_token_is_masked_by_its_shape_in_every_encoding(encoding: str) -> None:
    """rot13 aside (it keeps no `hf_`), what an encoded run holds meets the rules."""
    from tools.secrets import mask_secrets

    text = shown(SHAPED_TOKEN)[encoding]
    masked = mask_secrets(f"out: {text} end", env={})
    assert "[REDACTED:" in masked and text not in masked, masked


async def test_no_encoding_of_a_token_reaches_the_model(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path, known_token: str
) -> None:
    """A tool prints both tokens in every encoding: the model is sent none of them."""
    printed = {**shown(known_token), **{f"{k} (hf)": v for k, v in shown(SHAPED_TOKEN).items()}}
    printed.pop("rot13 (hf)")
    script = workspace / "encodings.txt"
    script.write_text("".join(f"{name}: {text}\n" for name, text in printed.items()))
    call = {"name": "bash", "id": "b1", "arguments": {"command": "cat encodings.txt"}}
    llm.add(Turn(tool_calls=[call]), Turn(content="done"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("show me the encodings"))
    result = tool_results(llm.requests[-1])["b1"]
    sent = json.dumps(llm.requests)
    assert "base32hex lower, no padding: [REDACTED:" in result, result
    leaked = [name for name, text in printed.items() if text in sent or text[:16] in sent]
    assert leaked == [], (leaked, result)
