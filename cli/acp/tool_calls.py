"""How a tool call looks in an editor: its kind, title, file locations and diffs (ACP shapes).

Everything here reads the call's ToolSpec (kind, path_arg, summary); nothing is keyed by a
tool's name. A diff's old text comes from the file on disk only while the call has not run
yet, and only for a file the agent may read without asking (inside the workspace, not a
credential place): an editor shows it, so it must not be a way to read a secret.
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
        if not self.path.exists():
            return [tool_diff_content(str(self.path), content)]
        current = self._readable_text()
        return [] if current is None else [tool_diff_content(str(self.path), content, current)]

    def _readable_text(self) -> str | None:
        assert self.path is not None
        if need(str(self.path), self.workspace, "read", None) != "auto":
            return None  # outside the workspace or a credential place: not shown
        try:
            if self.path.stat().st_size > MAX_OLD_TEXT_BYTES:
                return None
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

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
