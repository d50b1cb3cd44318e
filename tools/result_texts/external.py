"""The other external tools' texts (tools/external): MCP servers' tools, notify, and a
notebook shown as text. A server's own words come in as a field ({error}, {text})."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# mcp (tools/external/mcp.py, mcp_connection.py): a server's tool failed, or its result
UNAVAILABLE = "MCP server {server!r} is unavailable ({error}); it is restarted on next use."
RETRY = "Error: {warning} Retry once, or use another tool."  # {warning}: UNAVAILABLE
REFUSED_CALL = "Error: MCP server {server!r} refused the call: {error}"
TOOL_ERROR = "Error from {server}/{tool}: {text}"
NO_DETAILS = "no details given"  # {text}, when the server said nothing
BINARY_RESOURCE = "[binary resource {uri}]"
RESOURCE_LINK = "[resource {name}: {uri}]"
CONTENT_OMITTED = "[{type} content ({mime}) omitted]"
# {error}: why the server is unavailable or refused
NO_COMMAND = "command not found: {what}"
NO_ANSWER = "it did not answer in time"
ERROR = "{name}: {text}"  # an exception's type and words (its type alone when none)
CLOSED = "its connection had closed"
STOPPED = "it stopped during the call"
SLOW = "it did not answer within {seconds:g} s"
NOT_STARTED = "it did not start in time"
AT_URL = "{error} ({url})"
STDERR = "; its stderr: {said} (full log: {log})"


# notify (tools/external/notify.py, notify_tool.py)
SLACK_REFUSED = "Slack refused the message to {name}: {error}."
NO_SLACK = "Could not reach Slack for {name}: {error}: {said}."
NOT_SENT = "Not sent to {names}: not a destination the agent may use."
AVAILABLE = "Available: {names}."
SENT = "Sent to {names}."


# notebook (tools/external/notebook_text.py): a notebook read as markdown cells
CELL = "<!-- cell {number}: {kind} -->"
CODE = "```{language}\n{source}\n```"
OUTPUT = "```output\n{text}{more}\n```"
MORE_CHARS = "\n[... {count:,} more chars]"  # {more}, past the characters shown
NOT_SHOWN = "[{types} output not shown]"
RAISED = "{name}: {value}"  # an error output


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "mcp": (
        UNAVAILABLE,
        RETRY,
        REFUSED_CALL,
        TOOL_ERROR,
        NO_DETAILS,
        BINARY_RESOURCE,
        RESOURCE_LINK,
        CONTENT_OMITTED,
        NO_COMMAND,
        NO_ANSWER,
        ERROR,
        CLOSED,
        STOPPED,
        SLOW,
        NOT_STARTED,
        AT_URL,
        STDERR,
    ),
    "notify": (SLACK_REFUSED, NO_SLACK, NOT_SENT, AVAILABLE, SENT),
    "notebook": (CELL, CODE, OUTPUT, MORE_CHARS, NOT_SHOWN, RAISED),
}
