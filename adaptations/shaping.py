"""The `prompt` rules, each an entry of one class: what a rule adds to the prompt, set on the
model's `Shape` once per model and role (adaptations/resolve.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from adaptations.hooks import Shape
from adaptations.rule import Hook, Rule
from configs.model_profile import SMALL_REPLY_TOKENS, ModelProfile


class Shaping(Rule):
    """Turns on one part of the prompt's shape (`sets`, a `Shape` field)."""

    sets: ClassVar[str] = ""

    def shape(self, shape: Shape, profile: ModelProfile) -> Shape:
        return replace(shape, **{self.sets: True})


class CompactPrompt(Shaping):
    sets = "compact_prompt"


class CoreToolset(Shaping):
    sets = "core_toolset"


class NoteBeforeQuestion(Shaping):
    sets = "note_before_question"


class WorkspaceListing(Shaping):
    sets = "workspace_listing"


class LookFirst(Shaping):
    sets = "look_first"


class TableExample(Shaping):
    sets = "table_example"


class DoomAnswer(Shaping):
    hook: ClassVar[Hook] = "call"
    sets = "answer_guard"


class ReplyLimit(Rule):
    def shape(self, shape: Shape, profile: ModelProfile) -> Shape:
        return replace(shape, reply_limit=SMALL_REPLY_TOKENS)
