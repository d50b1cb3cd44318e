"""How a tool call looks in an editor: its kind, title, file locations and diffs (ACP shapes).

Everything here reads the call's ToolSpec (kind, path_arg, summary); nothing is keyed by a
tool's name. A diff's old text comes from the file on disk only while the call has not run
yet, and only for a file the agent may read without asking (inside the workspace, not a
credential place): an editor shows it, so it must not be a way to read a secret. It is read
by descriptor (a FIFO, a link or a huge file there shows no old text), off the event loop and
while the graph waits for it (`EventUpdates.look`, the session's observer).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from acp import text_block, tool_content, tool_diff_content
from acp.schema import (
    ContentToolCallContent,
    FileEditToolCallContent,
    ToolCallLocation,
    ToolCallProgress,
    ToolCallStart,
)

from tools.catalog import ToolCatalog
from tools.places import need, resolve
from tools.safe_paths import read_bytes

MAX_OLD_TEXT_BYTES = 1 << 20  # a larger file's diff is not shown (the editor would choke)
MAX_OUTPUT_CHARS = 20_000  # the output shown in the editor (the model's copy is capped already)
Content = ContentToolCallContent | FileEditToolCallContent


class CallView:
    """One tool call as the editor sees it; `before_run` says the file on disk is still old."""

    def __init__(
        self, catalog: ToolCatalog, workspace: Path, name: str, args: Mapping[str, Any]
    ) -> None:
        self.spec = catalog.get(name)
        self.workspace = workspace
        self.name = name
        self.args = dict(args)

    @property
    def kind(self) -> Any:
        return (self.spec.kind if self.spec else None) or "other"

    @property
    def title(self) -> str:
        summary = self.spec.summarize(self.args) if self.spec else ""
        return f"{self.name}: {summary}" if summary else self.name

    @property
    def path(self) -> Path | None:
        arg = self.spec.path_arg if self.spec else None
        value = self.args.get(arg) if arg else None
        return resolve(value, self.workspace) if isinstance(value, str) and value else None

    def locations(self) -> list[ToolCallLocation] | None:
        if self.path is None:
            return None
        line = self.args.get("offset")
        return [ToolCallLocation(path=str(self.path), line=line if isinstance(line, int) else None)]

    def diff(self, *, before_run: bool) -> list[Content]:
        """The change an edit-kind call makes: old and new text of the part it replaces."""
        if self.kind != "edit" or self.path is None:
            return []
        old, new = self.args.get("old_str"), self.args.get("new_str")
        if isinstance(old, str) and isinstance(new, str):
            return [tool_diff_content(str(self.path), new, old)]
        content = self.args.get("content")
        if not isinstance(content, str) or not before_run:
            return []
        return self._write_diff(self.path, content)

    def _write_diff(self, path: Path, content: str) -> list[Content]:
        """A `write`'s diff against the file's current text, read by descriptor beneath the
        workspace (tools/safe_paths.py: non-blocking, no link followed, a regular file of at
        most MAX_OLD_TEXT_BYTES); none for anything else or a place the agent may not read
        without asking (outside the workspace, a credential place)."""
        workspace = self.workspace.resolve()
        if not path.is_relative_to(workspace):
            return []
        if need(str(path), workspace, "read", None) != "auto":
            return []
        try:
            old = read_bytes(workspace, path.relative_to(workspace), MAX_OLD_TEXT_BYTES)
            return [tool_diff_content(str(path), content, old.decode("utf-8"))]
        except FileNotFoundError:
            return [tool_diff_content(str(path), content)]
        except (OSError, UnicodeDecodeError):
            return []

    def start(self, call_id: str, diff: list[Content]) -> ToolCallStart:
        return ToolCallStart(
            session_update="tool_call",
            tool_call_id=call_id,
            title=self.title,
            kind=self.kind,
            status="pending",
            content=diff or None,
            locations=self.locations(),
            raw_input=self.args,
        )


def finished(call_id: str, output: str, diff: list[Content], *, failed: bool) -> ToolCallProgress:
    """The call's end: its diff (kept from its start) and its output, as the model saw it."""
    shown = output if len(output) <= MAX_OUTPUT_CHARS else output[:MAX_OUTPUT_CHARS] + "…"
    return ToolCallProgress(
        session_update="tool_call_update",
        tool_call_id=call_id,
        status="failed" if failed else "completed",
        content=[*diff, tool_content(text_block(shown))],
        raw_output=shown,
    )


def running(call_id: str) -> ToolCallProgress:
    return ToolCallProgress(
        session_update="tool_call_update", tool_call_id=call_id, status="in_progress"
    )
