"""Rendering the Session's events in the terminal with rich.

The model's markdown is printed as it streams, a paragraph at a time (never inside an
open code fence, so a code block is always rendered whole); tool calls take one line,
tool output is collapsed to its first lines, and a live line shows what is running.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from cli.exit_codes import STOP_MESSAGES
from cli.undo_report import report_lines
from tools.catalog import SUMMARY_CHARS, compact_json
from tools.text import one_line

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status

    from graph.events import Event

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
OUTPUT_LINES = 4
PLAN_MARKS = {"pending": "☐", "in_progress": "◐", "completed": "☑"}
# The argument that best says what a call does, per tool.


def split_markdown(buffer: str) -> tuple[str, str]:
    """Split streamed markdown into (ready to print, keep buffering).

    Ready text ends at the last blank line that is outside any code fence, so a
    paragraph, list or code block is always printed whole.

    >>> split_markdown("One.\\n\\nTw")
    ('One.\\n\\n', 'Tw')
    >>> split_markdown("```py\\nx = 1\\n\\ny")
    ('', '```py\\nx = 1\\n\\ny')
    """
    fence: str | None = None
    cut = 0
    position = 0
    lines = buffer.splitlines(keepends=True)
    for index, line in enumerate(lines):
        position += len(line)
        if not line.endswith("\n"):
            break  # an unfinished last line is never ready
        match = FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif (
                marker[0] == fence[0]
                and len(marker) >= len(fence)
                and not line[match.end() :].strip()
            ):
                fence = None
        elif fence is None and not line.strip() and index > 0:
            cut = position
    return buffer[:cut], buffer[cut:]


def collapse(output: str, keep: int = OUTPUT_LINES) -> tuple[list[str], int]:
    """The first `keep` lines of a tool's output and how many lines were hidden."""
    lines = output.rstrip("\n").splitlines() or [""]
    return lines[:keep], max(0, len(lines) - keep)


def plan_text(plan: Sequence[Mapping[str, Any]]) -> Text:
    text = Text()
    for item in plan:
        status = str(item.get("status", "pending"))
        style = {"completed": "green", "in_progress": "bold yellow"}.get(status, "")
        text.append(f"  {PLAN_MARKS.get(status, '☐')} {item.get('content', '')}\n", style=style)
    return text


def approval_panel(request: Mapping[str, Any], number: int, total: int) -> Panel:
    """What a human needs to judge one call: its full description (command, target, ...)."""
    description = request.get("description") or json.dumps(
        request.get("args") or {}, indent=2, ensure_ascii=False, default=str
    )
    title = f"Approve {request.get('name', 'tool')}?"
    if total > 1:
        title += f" ({number} of {total})"
    return Panel(Text(str(description)), title=title, title_align="left", border_style="yellow")


def cost_text(cost_usd: float, unpriced: Sequence[str]) -> str:
    """A spend for people: "unknown" when a model that was used has no price, never a
    `$0.0000` that reads as free."""
    if not unpriced:
        return f"${cost_usd:.4f}"
    known = f"; ${cost_usd:.4f} on priced models" if cost_usd else ""
    return (
        f"unknown ({', '.join(unpriced)} has no price{known}; add one under "
        f'"model_prices" in the config)'
    )


RECAP_EXCHANGES = 3
RECAP_PROMPT_CHARS = 300


def recap(messages: Sequence[Any], exchanges: int = RECAP_EXCHANGES) -> list[Any]:
    """The thread's last few exchanges as the user saw them: what they asked (one line), the
    tools the agent used (one line), what it answered (markdown)."""
    from models.messages import is_user_message, text_of

    starts = [i for i, m in enumerate(messages) if is_user_message(m)][-exchanges:]
    shown: list[Any] = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(messages)
        asked = one_line(text_of(messages[start].content), RECAP_PROMPT_CHARS)
        shown.append(Text(f"› {asked}", style="bold"))
        replies = [m for m in messages[start + 1 : end] if m.type == "ai"]
        calls = [c["name"] for m in replies for c in getattr(m, "tool_calls", None) or []]
        if calls:
            names = ", ".join(dict.fromkeys(calls))
            shown.append(Text(f"  ⎿ {len(calls)} tool call(s): {names}", style="dim"))
        answers = [text_of(m.content).strip() for m in replies if text_of(m.content).strip()]
        if answers:
            shown.append(Markdown(answers[-1]))
    return shown


def stop_message(stop_reason: str, limits: Mapping[str, Any] | None = None) -> str | None:
    template = STOP_MESSAGES.get(stop_reason)
    if template is None:
        return None
    limit = (limits or {}).get(stop_reason, "the configured limit")
    return template.format(limit=limit)


def stderr_console() -> Console:
    """Progress on stderr; when that is a file or a pipe, lines are never wrapped or cut at a
    made-up width (a log keeps each message on one line, whole)."""
    from rich.console import Console

    console = Console(stderr=True)
    console.soft_wrap = not console.is_terminal
    return console


class Renderer:
    """Prints events as they come. `brief` (headless progress) shows calls and problems only."""

    def __init__(
        self, console: Console, *, brief: bool = False, limits: Mapping[str, Any] | None = None
    ) -> None:
        self.console = console
        self.brief = brief
        self.limits = dict(limits or {})
        self._buffer = ""
        self._streamed = False
        self._status: Status | None = None

    def event(self, event: Event) -> None:
        handler = getattr(self, f"_on_{event.type}", None)
        if handler is not None:
            handler(event.data)

    def close(self) -> None:
        """Flush text still buffered and remove the live line."""
        self._flush(everything=True)
        self.stop_status()

    # -- the live line ------------------------------------------------------

    def status(self, text: str) -> None:
        if self.brief or not self.console.is_terminal:
            return
        if self._status is None:
            self._status = self.console.status(text, spinner="dots")
            self._status.start()
        else:
            self._status.update(text)

    def stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    # -- assistant text -----------------------------------------------------

    def _print_markdown(self, text: str) -> None:
        if text.strip():
            self.stop_status()
            self.console.print(Markdown(text.strip("\n")))

    def _flush(self, *, everything: bool = False) -> None:
        ready, self._buffer = (self._buffer, "") if everything else split_markdown(self._buffer)
        self._print_markdown(ready)

    def _on_processing(self, _data: Mapping[str, Any]) -> None:
        self.status("Thinking…")

    def _on_assistant_chunk(self, data: Mapping[str, Any]) -> None:
        if self.brief:
            return
        self._buffer += str(data.get("text", ""))
        self._streamed = True
        self._flush()

    def _on_assistant_stream_end(self, _data: Mapping[str, Any]) -> None:
        self._flush(everything=True)

    def _on_assistant_message(self, data: Mapping[str, Any]) -> None:
        if self._streamed:
            self._streamed = False  # already shown chunk by chunk
        elif not self.brief:
            self._print_markdown(str(data.get("text", "")))

    # -- tools --------------------------------------------------------------

    def _on_tool_call(self, data: Mapping[str, Any]) -> None:
        self.stop_status()
        name = str(data.get("name", "?"))
        line = Text("● ", style="cyan")
        line.append(name, style="bold")
        line.append(
            f"  {data.get('summary') or one_line(compact_json(data.get('args') or {}), SUMMARY_CHARS)}",
            style="dim",
        )
        self.console.print(line)

    def _on_tool_state_change(self, data: Mapping[str, Any]) -> None:
        if data.get("state") == "running":
            self.status(f"Running {data.get('tool', 'tool')}…")
        else:
            self.status("Thinking…")

    def _on_tool_log(self, data: Mapping[str, Any]) -> None:
        line = " ".join(str(data.get("line", "")).split())[:100]
        self.status(f"{data.get('tool', 'tool')}: {line}")

    def _on_tool_output(self, data: Mapping[str, Any]) -> None:
        if data.get("name") == "plan" and not data.get("is_error"):
            return  # the checklist comes with plan_update
        is_error = bool(data.get("is_error"))
        if self.brief and not is_error:
            return
        self.stop_status()
        shown, hidden = collapse(str(data.get("output", "")))
        style = "red" if is_error else "dim"
        for i, line in enumerate(shown):
            prefix = "  ⎿ " if i == 0 else "    "
            cut = "ellipsis" if not self.console.soft_wrap else None  # a log keeps whole lines
            self.console.print(Text(prefix + line, style=style), overflow=cut, no_wrap=True)
        if hidden:
            self.console.print(Text(f"    … +{hidden} lines", style="dim"))

    def _on_plan_update(self, data: Mapping[str, Any]) -> None:
        if self.brief:
            return
        self.stop_status()
        self.console.print(Text("Plan", style="bold"))
        self.console.print(plan_text(data.get("plan") or []), end="")

    # -- the rest -----------------------------------------------------------

    def _on_error(self, data: Mapping[str, Any]) -> None:
        self.stop_status()
        style = "yellow" if data.get("retrying") else "bold red"
        self.console.print(Text(str(data.get("message", "error")), style=style))

    def _on_interrupted(self, _data: Mapping[str, Any]) -> None:
        self.close()

    def _on_compacted(self, data: Mapping[str, Any]) -> None:
        self.stop_status()
        old, new = int(data.get("old_tokens", 0)), int(data.get("new_tokens", 0))
        note = f" ({data['note']})" if data.get("note") else ""
        self.console.print(
            Text(f"Context compacted: {old:,} → {new:,} tokens{note}", style="magenta")
        )

    def _on_undo_complete(self, data: Mapping[str, Any]) -> None:
        undone = " ".join(str(data.get("undone_message", "")).split())[:80]
        self.console.print(Text(f"Undone: “{undone}”", style="magenta"))
        for line, style in report_lines(data.get("files")):
            self.console.print(Text(line, style=style))

    def _on_turn_complete(self, data: Mapping[str, Any]) -> None:
        self.close()
        message = stop_message(str(data.get("stop_reason")), self.limits)
        if message:
            style = "yellow" if data.get("stop_reason") == "interrupted" else "bold yellow"
            self.console.print(Text(message, style=style))
