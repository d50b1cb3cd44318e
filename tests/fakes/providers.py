"""One scripted model behind either wire format, so an end-to-end scenario runs through both.

Both fakes play the same `Turn` scripts; a `Provider` pairs one with the model id that
reaches it through litellm (``openai/...`` or ``anthropic/...``) and reads what the model
was sent in either shape. A test module declares the fixture and picks the cases::

    @pytest.fixture
    def provider(request, monkeypatch):
        with serve(request.param, monkeypatch) as wire:
            yield wire

    @pytest.mark.parametrize("provider", EVERY_WAY, indirect=True)
    async def test_x(provider, workspace):
        provider.server.add(Turn(content="hi"))
        async with open_session(provider.settings(), workspace) as session: ...
        provider.tool_results(provider.server.requests[-1])

For the CLI, ``cli.env.update(provider.env())`` and ``--model provider.model``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from tests.fakes import anthropic_request, transcript_checks
from tests.fakes.agent import fast_settings
from tests.fakes.anthropic_server import ScriptedAnthropicServer
from tests.fakes.llm_server import ScriptedLLMServer

__all__ = ["ANTHROPIC_KEY", "ANTHROPIC_MODEL", "EVERY_WAY", "PROVIDERS", "Provider", "serve"]

Wire = Literal["openai", "anthropic"]
ANTHROPIC_MODEL = "anthropic/claude-sonnet-4-5-20250929"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdefghij"
OPENAI_MODEL = "openai/scripted-model"

# Each provider once (not streaming), and each provider both ways.
PROVIDERS = [
    pytest.param(("openai", False), id="openai"),
    pytest.param(("anthropic", False), id="anthropic"),
]
EVERY_WAY = [
    pytest.param((wire, stream), id=f"{wire}-{'streaming' if stream else 'plain'}")
    for wire in ("openai", "anthropic")
    for stream in (False, True)
]


@dataclass
class Provider:
    """A running fake, the model id that reaches it, and provider-neutral views of requests."""

    wire: Wire
    server: ScriptedLLMServer
    stream: bool = False

    @property
    def model(self) -> str:
        return ANTHROPIC_MODEL if self.wire == "anthropic" else OPENAI_MODEL

    @property
    def key_variable(self) -> str:
        return "ANTHROPIC_API_KEY" if self.wire == "anthropic" else "OPENAI_API_KEY"

    def settings(self, **overrides: Any) -> Any:
        """Test settings for this model and server (overrides win, ``stream`` included)."""
        values: dict[str, Any] = {"model_name": self.model, "stream": self.stream, **overrides}
        return fast_settings(self.server.url, **values)

    def env(self) -> dict[str, str]:
        """What a CLI subprocess needs to reach this server with ``--model self.model``."""
        if self.wire == "anthropic":
            return {"ANTHROPIC_API_BASE": self.server.url, "ANTHROPIC_API_KEY": ANTHROPIC_KEY}
        return {"OPENAI_API_BASE": self.server.url, "OPENAI_API_KEY": "sk-test"}

    def tool_results(self, request: dict[str, Any]) -> dict[str, str]:
        """Call id -> the result text the model was sent."""
        if self.wire == "anthropic":
            return anthropic_request.tool_results(request)
        return transcript_checks.tool_results(request)

    def user_texts(self, request: dict[str, Any]) -> list[str]:
        """What the user said, in order (runtime notes left out)."""
        if self.wire == "openai":
            return transcript_checks.user_texts(request)
        texts = [
            block["text"]
            for message in request["messages"]
            if message["role"] == "user"
            for block in _blocks(message["content"])
            if block.get("type") == "text"
        ]
        kept = [t.split(transcript_checks.RUNTIME_NOTE, 1)[0].rstrip() for t in texts]
        return [text for text in kept if text]

    def sent_calls(self, request: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Call id -> arguments of every tool call the model was shown as its own."""
        calls: dict[str, dict[str, Any]] = {}
        for message in request["messages"]:
            if message["role"] != "assistant":
                continue
            if self.wire == "anthropic":
                for block in _blocks(message["content"]):
                    if block.get("type") == "tool_use":
                        calls[block["id"]] = block["input"]
            for call in message.get("tool_calls") or []:
                calls[call["id"]] = json.loads(call["function"]["arguments"])
        return calls

    def tool_names(self, request: dict[str, Any]) -> set[str]:
        """The tools the model was offered."""
        tools = request.get("tools") or []
        return {t["name"] if self.wire == "anthropic" else t["function"]["name"] for t in tools}

    def system_prompt(self, request: dict[str, Any]) -> str:
        """The system prompt the model was sent."""
        if self.wire == "anthropic":
            return "".join(block["text"] for block in _blocks(request.get("system") or ""))
        first = request["messages"][0]
        return str(first["content"]) if first["role"] == "system" else ""

    def check_pairing(self, request: dict[str, Any]) -> None:
        """Every tool call is answered right after it, as the provider requires."""
        if self.wire == "anthropic":
            anthropic_request.validate(request)  # raises RequestError as the API would refuse
        else:
            transcript_checks.assert_valid_tool_pairing(request["messages"])


def _blocks(content: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


@contextmanager
def serve(case: tuple[Wire, bool], monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    """Start the fake for ``(wire, stream)``; the Anthropic key is set in the environment."""
    wire, stream = case
    if wire == "anthropic":
        for name in ("ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
        server: ScriptedLLMServer = ScriptedAnthropicServer(api_key=ANTHROPIC_KEY)
    else:
        server = ScriptedLLMServer()
    with server:
        yield Provider(wire, server, stream)
