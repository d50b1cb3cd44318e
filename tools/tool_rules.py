"""A rule's hooks inside the tools: what it adds to a tool's result.

The rules for weaker models are declared in adaptations/registry.py (a layer above the tools);
each is an object whose class overrides the hooks it works at (adaptations/rule.py `Rule`
extends this class). A tool call carries the rules active for its thread and role
(`CallContext.rules`), and each tool runs one loop over them at its hook: it never asks for
a rule by name. Every hook here does nothing by default; a rule whose hook raises is dropped
for the rest of the process, and one that acts is counted as fired (`each`, `first`:
tools/adaptation_guard.py `hooked`, `dropped`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from tools.adaptation_guard import applied, hooked

Hidden = Callable[[Path], bool]
# The tool's call (tools/call_context.py `CallContext`), the walls and the place of a file
# tool (tools/places.py, tools/local/file_checks.py), a `read`'s page: named loosely here, as
# the call context itself carries these rules.
CallContext = Walls = Place = Page = Any


class ToolRule:
    """The tool hooks of a rule, each a no-op until a rule's class overrides it."""

    name: str  # set by the rule (adaptations/rule.py)

    def before_bash(self, call: CallContext, command: str, hidden: Hidden) -> Any:
        """What to remember before `command` runs (handed back to `bash_note`), or None."""
        return None

    def bash_output(self, call: CallContext, command: str, output: str) -> str:
        """The command's output as the model reads it."""
        return output

    def bash_note(
        self,
        call: CallContext,
        command: str,
        output: str,
        exit_code: int | None,
        hidden: Hidden,
        before: Any,
    ) -> str:
        """A note after the command's output ("" for none); `before`: what `before_bash` kept."""
        return ""

    def edit_missing(self, call: CallContext, target: Path, old_str: str, hidden: Hidden) -> str:
        """Added to an `edit` whose old text is not in its file ("" for nothing)."""
        return ""

    def unknown_skill(self, name: str, names: list[str]) -> str | None:
        """The answer to a `skill` call naming no known skill, in place of the full list."""
        return None

    def folder_read(self, call: CallContext, walls: Walls | None, place: Place) -> str | None:
        """The answer to a `read` of a folder, in place of the error, or None."""
        return None

    def read_page(self, call: CallContext, page: Page) -> str | None:
        """The answer to a `read` in place of its page (tools/local/read_fit.py `Page`), or
        None."""
        return None

    def written_note(self, target: Path, content: str) -> str:
        """A note after a `write` of `content` to `target` ("" for none)."""
        return ""

    def write_refusal(self, shown: str, old: str, new: str) -> str | None:
        """The answer to a `write` of `new` over the file shown as `shown`, which holds `old`,
        in place of writing it; None lets the write run."""
        return None


def each[T](
    rules: Iterable[ToolRule], hook: Callable[[ToolRule], T], fallback: T, *, acts: bool = True
) -> list[T]:
    """`hook(rule)` for each rule, in order; a rule whose hook raises gives `fallback`. With
    `acts`, a rule whose answer is not `fallback` fired (without: the hook only remembers)."""
    run = hooked if acts else applied
    return [run(rule.name, partial(hook, rule), fallback) for rule in rules]


def first[T](rules: Iterable[ToolRule], hook: Callable[[ToolRule], T | None]) -> T | None:
    """The first answer a rule gives at `hook` (not None, and that rule fired), or None."""
    for rule in rules:
        if (found := hooked(rule.name, partial(hook, rule), None)) is not None:
            return found
    return None
