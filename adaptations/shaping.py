"""The `prompt` rules, each an entry of one class: a switch of the prompt builder set on the
model's `Shape` once per model and role (adaptations/resolve.py), or the lines it adds to the
runtime note at each call (`note_lines`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from adaptations.hooks import RuntimeNote, Shape
from adaptations.rule import Rule
from configs.model_profile import SMALL_REPLY_TOKENS, ModelProfile
from configs.note_examples import WRITE_EXAMPLE, example_order, example_pick, example_table
from configs.prompt import COMPUTE_WITH_CODE, FILES, LOOK_FIRST, PYTHON_FIRST, STEP_COMMENTS


class Shaping(Rule):
    """Turns on one switch of the prompt builder (`sets`, a `Shape` field)."""

    sets: ClassVar[str] = ""

    def shape(self, shape: Shape, profile: ModelProfile) -> Shape:
        return replace(shape, **{self.sets: True})


class CompactPrompt(Shaping):
    sets = "compact_prompt"


class CoreToolset(Shaping):
    sets = "core_toolset"


class LeanRequest(Shaping):
    sets = "lean_request"


class NoteBeforeQuestion(Shaping):
    sets = "note_before_question"


class ReplyLimit(Rule):
    def shape(self, shape: Shape, profile: ModelProfile) -> Shape:
        return replace(shape, reply_limit=SMALL_REPLY_TOKENS)


class WorkspaceListing(Rule):
    """The workspace's files as the turn began, when it holds any."""

    async def note_lines(self, note: RuntimeNote) -> Sequence[str]:
        files = await note.files()
        return [FILES.format(files=files)] if files else []


class LookFirst(Rule):
    """Facts come from the tools, counts from python: on every call."""

    async def note_lines(self, note: RuntimeNote) -> Sequence[str]:
        return [LOOK_FIRST, COMPUTE_WITH_CODE]


class PythonFirst(Shaping):
    """The kernel's `python` tool among the core tools, and a line saying to compute with it
    (the way a smolagents CodeAgent works): a program sent as is, not through a shell."""

    sets = "python_tool"

    async def note_lines(self, note: RuntimeNote) -> Sequence[str]:
        return [PYTHON_FIRST]


class PythonTool(Shaping):
    """The kernel's `python` tool among the core tools, and nothing said about it: the model
    takes it or `bash` as it will."""

    sets = "python_tool"


class TableExample(Rule):
    """How to run python over a table the note lists above it (the workspace's files, where
    a rule lists them), and write a file, when the request asks a question about a table
    (configs/note_examples.py `example_table`)."""

    async def note_lines(self, note: RuntimeNote) -> Sequence[str]:
        example = example_table("\n".join(note.above), note.request)
        return [example, WRITE_EXAMPLE] if example else []


class TableOrder(Rule):
    """A program over a listed table that writes a file, when the request orders a new file
    computed from the table (configs/note_examples.py `example_order`): an order, not a question."""

    async def note_lines(self, note: RuntimeNote) -> Sequence[str]:
        example = example_order("\n".join(note.above), note.request)
        return [example] if example else []


class StepComments(Rule):
    """With a table's example (`TableExample`, `TableOrder`: rules before this one), the
    request's conditions and steps as comments at the program's top; quiet where no example
    is given."""

    async def note_lines(self, note: RuntimeNote) -> Sequence[str]:
        files = "\n".join(note.above)
        examples = {example_table(files, note.request), example_order(files, note.request)}
        return [STEP_COMMENTS] if any(e and e in note.above for e in examples) else []


class PickInProgram(Rule):
    """A question asking which listed thing is the largest, most, lowest... (configs/note_examples.py
    `example_pick`): a line asking that a program pick it and print it with its value."""

    async def note_lines(self, note: RuntimeNote) -> Sequence[str]:
        line = example_pick("\n".join(note.above), note.request)
        return [line] if line else []
