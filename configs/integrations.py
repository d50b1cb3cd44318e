"""The typed shape of the config's `mcpServers` entries and its `messaging` block.

Loading settings validates both, so a wrong type is a ConfigError naming the file and key;
the MCP and Slack code read these models instead of raw dicts. Kept free of heavy imports.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

HTTP_TRANSPORTS = {"http", "streamable_http", "streamable-http", "streamablehttp"}
Transport = Literal["stdio", "streamable_http", "sse"]


class McpServerSettings(BaseModel):
    """One Claude-Desktop style server: a `command` (stdio) or a `url` (http, sse)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    command: str | None = Field(None, min_length=1)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = Field(None, min_length=1)
    transport: str | None = None
    type: str | None = None  # Claude Desktop's spelling of `transport`
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: float | None = Field(None, gt=0)
    approval: Literal["auto", "ask"] | None = None
    disabled: bool = False

    @field_validator("args", mode="before")
    @classmethod
    def _args_as_strings(cls, value: object) -> object:
        # Numbers in `args` are common ("--port", 8080) and mean their text.
        if isinstance(value, list):
            return [str(v) if isinstance(v, int | float) else v for v in value]
        return value

    @model_validator(mode="after")
    def _has_an_endpoint(self) -> McpServerSettings:
        kind = self.kind
        if self.disabled:  # a half-written server can be switched off without an error
            return self
        if not kind:
            raise ValueError('a "command" (stdio) or a "url" (http or sse)')
        if kind not in ("stdio", "streamable_http", "sse"):
            raise ValueError(f'a known transport ("http" or "sse", or stdio), not {kind!r}')
        if kind == "stdio" and not self.command:
            raise ValueError('a "command" (stdio servers are started from one)')
        if kind != "stdio" and not self.url:
            raise ValueError(f'a "url" ({self.transport or self.type} servers connect to one)')
        return self

    @property
    def kind(self) -> str:
        """The transport in langchain-mcp-adapters' words (unknown spellings passed through)."""
        given = (self.transport or self.type or "").lower()
        if not given:
            return "stdio" if self.command else "streamable_http" if self.url else ""
        return "streamable_http" if given in HTTP_TRANSPORTS else given


class DestinationSettings(BaseModel):
    """Where notifications go; only Slack exists today."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    provider: str = "slack"
    token: str | None = None
    channel: str | None = None
    allow_agent_tool: bool = True
    allow_auto_events: bool = True
    api_url: str | None = None


class MessagingSettings(BaseModel):
    """Notification destinations; `enabled` defaults to "some destination is configured"."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    enabled: bool | None = None
    auto_event_types: list[str] | None = None
    destinations: dict[str, DestinationSettings] = Field(default_factory=dict)
