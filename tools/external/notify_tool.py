"""The `notify` tool: a short message to the Slack destinations that let the agent post."""

from __future__ import annotations

from typing import Literal

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.external.notify import SEVERITY, MessagingConfig, SlackPoster, to_mrkdwn
from tools.policy import always
from tools.result_texts import tool_text
from tools.result_texts.external import AVAILABLE, NOT_SENT, SENT
from tools.tool_factory import make_tool


class NotifyArgs(BaseModel):
    destinations: list[str] = Field(
        default_factory=list, description="Destination names; empty means all of them."
    )
    message: str = Field(description="The message, in markdown; keep it short.")
    title: str | None = Field(None, description="A short bold first line.")
    severity: Literal["info", "success", "warning", "error"] = Field("info")


def notify_spec(config: MessagingConfig, poster: SlackPoster | None = None) -> ToolSpec:
    """The tool, offering the destinations that allow the agent to post."""
    allowed = {d.name: d for d in config.tool_destinations()}
    poster = poster or SlackPoster()

    async def notify(
        _call: CallContext,
        message: str,
        destinations: list[str] | None = None,
        title: str | None = None,
        severity: str = "info",
    ) -> str:
        wanted = destinations or list(allowed)
        refused = [n for n in wanted if n not in allowed]
        head = f"{SEVERITY.get(severity, '')} *{to_mrkdwn(title)}*\n" if title else ""
        text = head + to_mrkdwn(message)
        sent, failed = [], []
        for name in [n for n in wanted if n in allowed]:
            try:
                await poster.post(allowed[name], text)
                sent.append(name)
            except ToolException as exc:
                failed.append(str(exc))
        notes = [tool_text("notify", NOT_SENT, names=", ".join(refused))] if refused else []
        if not sent:
            available = tool_text("notify", AVAILABLE, names=", ".join(allowed))
            raise ToolException(" ".join([*failed, *notes, available]))
        return " ".join([tool_text("notify", SENT, names=", ".join(sent)), *failed, *notes])

    tool = make_tool("notify", NotifyArgs, notify)
    tool.description = (
        "Send a short message to the user's chat (Slack), e.g. when a long job finishes or "
        "fails, or when you are blocked and the user may be away. Do not use it for "
        f"ordinary replies. Destinations: {', '.join(allowed) or 'none'}."
    )
    return ToolSpec(tool=tool, family="external", approval=always("auto"), summary="title")
