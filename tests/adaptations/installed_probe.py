"""A third-party package's rules, for tests/adaptations/test_installed_rules.py: the test
copies this file into a package of its own (`ml_intern_probe_rules`, with a `*.dist-info`
whose entry points name `AGENT` and `RESEARCH`) on the `PYTHONPATH` of the processes it
starts. Each rule remembers every hook it is called at in its process and sends the turn's
first final answer back with a note naming them, "PROBE <rule> saw: <hook>,<hook>,...", which
the scripted model receives; nothing else of ml-intern names them. (No file is written: a
hook on the server's event loop may not block.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from langchain_core.messages import AIMessage

from adaptations.hooks import ModelStep, Pending, Shape
from adaptations.rule import Handler, Hook, Rule, every_model
from configs.model_profile import ModelProfile
from models.messages import RuleKind
from tools.tool_rules import CallContext, Hidden, Place, Walls

IMPORTED_ENV = "PROBE_RULES_IMPORTED"  # a file this module touches when imported
SEEN: dict[str, set[str]] = {}  # rule name -> the hooks it was called at in this process


def _touch_imported() -> None:
    if path := os.environ.get(IMPORTED_ENV):
        Path(path).touch()


_touch_imported()


class Probe(Rule):
    """Records each hook it is called at; sends one final answer a turn back."""

    hook: ClassVar[Hook] = "model"
    note: ClassVar[RuleKind | None] = RuleKind("probe_saw")  # its own kind

    def seen(self, hook: str) -> None:
        SEEN.setdefault(self.name, set()).add(hook)

    def shape(self, shape: Shape, profile: ModelProfile) -> Shape:
        self.seen("shape")
        return shape

    def before_model(self, step: ModelStep) -> None:
        self.seen("before_model")

    async def wrap_model_call(
        self, step: ModelStep, kwargs: dict[str, Any], handler: Handler
    ) -> AIMessage:
        self.seen("wrap_model_call")
        return await handler(kwargs)

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        self.seen("after_model")
        return response

    def check_reply(self, step: ModelStep) -> str | None:
        self.seen("check_reply")
        return f"PROBE {self.name} saw: {','.join(sorted(SEEN[self.name]))}"

    def asked_left(self, step: ModelStep | Pending) -> str | None:
        self.seen("asked_left")
        return None

    def wrap_tool_call(self, pending: Pending) -> dict[str, Any]:
        self.seen("wrap_tool_call")
        return {}

    def policy(self, pending: Pending) -> dict[str, Any]:
        self.seen("policy")
        return {}

    # --- the tool hooks (tools/tool_rules.py) ---------------------------------------------

    def before_bash(self, call: CallContext, command: str, hidden: Hidden) -> Any:
        self.seen("before_bash")

    def bash_output(self, call: CallContext, command: str, output: str) -> str:
        self.seen("bash_output")
        return output

    def bash_note(self, call: CallContext, command: str, output: str, exit_code: int | None,
                  hidden: Hidden, before: Any) -> str:  # fmt: skip
        self.seen("bash_note")
        return ""

    def edit_missing(self, call: CallContext, target: Path, old_str: str, hidden: Hidden) -> str:
        self.seen("edit_missing")
        return ""

    def unknown_skill(self, name: str, names: list[str]) -> str | None:
        self.seen("unknown_skill")
        return None

    def folder_read(self, call: CallContext, walls: Walls | None, place: Place) -> str | None:
        self.seen("folder_read")
        return None

    def written_note(self, target: Path, content: str) -> str:
        self.seen("written_note")
        return ""


AGENT = Probe("agent-probe", every_model, "records its hooks")
RESEARCH = Probe("research-probe", every_model, "records its hooks", roles=frozenset({"research"}))
NOT_A_RULE = "a string"
