"""The `result` rules, each one class: what a rule adds to a tool's result, at the tool hooks
(tools/tool_rules.py); the work itself is the tool family's (tools/local/...)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from adaptations.hooks import Shape
from adaptations.rule import Hook, Rule
from configs.model_profile import READ_SHARE, UNKNOWN_SMALL_WINDOW, ModelProfile
from tools.local.failure_context import failure_context
from tools.local.file_checks import is_folder
from tools.local.kept_lines import rewrite_refusal
from tools.local.one_line_python import one_line_note
from tools.local.quoted_python import quoted_note
from tools.local.read import folder_note
from tools.local.read_fit import Page
from tools.local.sed_unchanged import sed_targets, unchanged_note
from tools.local.skill import small_unknown
from tools.local.text_elsewhere import text_elsewhere
from tools.local.traceback_focus import focus_traceback
from tools.local.written_checks import written_notes
from tools.tool_rules import CallContext, Hidden, Place, Walls


class ResultRule(Rule):
    hook: ClassVar[Hook] = "result"


class ReadFit(ResultRule):
    """One `read` shows at most an eighth of the window: its share, set once per model, cuts
    a page that does not fit (and only then it fires)."""

    def shape(self, shape: Shape, profile: ModelProfile) -> Shape:
        tokens = (profile.context_window or UNKNOWN_SMALL_WINDOW) // READ_SHARE
        return replace(shape, read_tokens=tokens)

    def read_page(self, call: CallContext, page: Page) -> str | None:
        return page.fitted(call.read_tokens) if call.read_tokens is not None else None


class FolderRead(ResultRule):
    def folder_read(self, call: CallContext, walls: Walls | None, place: Place) -> str | None:
        return folder_note(call, walls, place) if is_folder(place) else None


class SkillCloseMatch(ResultRule):
    def unknown_skill(self, name: str, names: list[str]) -> str | None:
        return small_unknown(name, names)


class WrittenNotes(ResultRule):
    def written_note(self, target: Path, content: str) -> str:
        return written_notes(target, content)


class KeptLines(ResultRule):
    """A `write` over a file the model read that keeps under half of its lines is answered
    with how many it keeps and how to `edit` lines instead (tools/local/kept_lines.py)."""

    def write_refusal(self, shown: str, old: str, new: str) -> str | None:
        return rewrite_refusal(shown, old, new)


class FailureContext(ResultRule):
    def bash_note(
        self,
        call: CallContext,
        command: str,
        output: str,
        exit_code: int | None,
        hidden: Hidden,
        before: Any,
    ) -> str:
        return failure_context(call.workspace, command, output, hidden)


class TracebackFocus(ResultRule):
    def bash_output(self, call: CallContext, command: str, output: str) -> str:
        return focus_traceback(command, output)


class SedUnchanged(ResultRule):
    def before_bash(self, call: CallContext, command: str, hidden: Hidden) -> Any:
        return sed_targets(command, call.workspace, hidden)

    def bash_note(
        self,
        call: CallContext,
        command: str,
        output: str,
        exit_code: int | None,
        hidden: Hidden,
        before: Any,
    ) -> str:
        return unchanged_note(before, call.workspace, exit_code) if before else ""


class OneLinePython(ResultRule):
    def bash_note(
        self,
        call: CallContext,
        command: str,
        output: str,
        exit_code: int | None,
        hidden: Hidden,
        before: Any,
    ) -> str:
        return one_line_note(command, output, exit_code)


class QuotedPython(ResultRule):
    def bash_note(
        self,
        call: CallContext,
        command: str,
        output: str,
        exit_code: int | None,
        hidden: Hidden,
        before: Any,
    ) -> str:
        return quoted_note(command, output, exit_code)


class TextElsewhere(ResultRule):
    def edit_missing(self, call: CallContext, target: Path, old_str: str, hidden: Hidden) -> str:
        return text_elsewhere(call.workspace, target, old_str, hidden)
