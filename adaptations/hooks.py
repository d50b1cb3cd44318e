"""What a rule's hooks are handed (adaptations/rule.py): the prompt's shape, the runtime note
being written, one model step, one reply's pending calls, and a rule's memory across the
turn's steps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from langchain_core.messages import AIMessage, BaseMessage

from models.messages import last_user_index, text_of
from tools.adaptation_guard import fired

if TYPE_CHECKING:
    from adaptations.turn import Turn
    from configs.model_profile import ModelProfile


class Remembers(Protocol):
    """A rule, as its memory sees it: where in the turn its memory lives."""

    @property
    def memory_key(self) -> str: ...


# A `Shape` field's metadata: reading it fires nothing, the rule that sets it counts itself.
HOOK_COUNTS: Mapping[str, bool] = {"read_fires": False}


@dataclass(frozen=True)
class Shape:
    """The prompt builder's switches rules may set (their `shape` hooks, once per model and
    role: adaptations/resolve.py): how the builder lays out what it owns, the system prompt,
    the toolset, the note's place and the request's limits. All off, a model works as a large
    one. Text a rule adds is its own hook's (`Rule.note_lines`), never a switch here. A run's
    nodes and tools read it as a `RunShape`: reading a switch fires the rules that set it.
    A part whose rule counts itself where its hook acts is marked `HOOK_COUNTS`."""

    compact_prompt: bool = False  # the system prompt's compact form
    core_toolset: bool = False  # the core tools, the rest one `more_tools` call away
    # The lean first request: fewer core tools with lean schemas, skills by name only
    # (tools/families.py `offered_tools`, configs/prompt.py `render_system_prompt`).
    lean_request: bool = False
    python_tool: bool = False  # the kernel's `python` among the core tools (tools/families.py)
    note_before_question: bool = False  # the runtime note just before the newest question
    reply_limit: int | None = None  # the output-token limit sent with each request
    # What one `read` may show (rough tokens); None: a page. Counted where it cuts a read
    # (adaptations/results.py `ReadFit.read_page`), not where it is handed to the tool.
    read_tokens: int | None = field(default=None, metadata=HOOK_COUNTS)

    def reply_kwargs(self) -> dict[str, Any]:
        """The request's output-token limit, if it has one."""
        return {"max_tokens": self.reply_limit} if self.reply_limit is not None else {}


class RunShape(Shape):
    """A `Shape` as a run's nodes and tools read it (nodes/thread_rules.py): reading a part
    that rules set counts them as fired in the step running now (tools/adaptation_guard.py
    `fired`), whoever reads it, so no reader names a part. Equal to, hashed, shown and
    copied as the plain shape; resolution and `ml-intern models show` read the plain one.

    >>> from tools.adaptation_guard import counting
    >>> with counting() as step:
    ...     RunShape(Shape(core_toolset=True), {"core_toolset": ("a-rule",)}).core_toolset
    True
    >>> step.names()
    ['a-rule']
    """

    _plain: Shape
    _set_by: Mapping[str, tuple[str, ...]]

    def __init__(self, plain: Shape, set_by: Mapping[str, tuple[str, ...]]) -> None:
        counted = {f.name for f in fields(Shape) if f.metadata.get("read_fires", True)}
        object.__setattr__(self, "_plain", plain)
        object.__setattr__(self, "_set_by", {p: r for p, r in set_by.items() if p in counted})

    def __eq__(self, other: object) -> bool:
        return self._plain == (other._plain if isinstance(other, RunShape) else other)

    def __hash__(self) -> int:
        return hash(self._plain)

    def __repr__(self) -> str:
        return repr(self._plain)

    def __reduce__(self) -> tuple[Any, ...]:
        return RunShape, (self._plain, self._set_by)


def _counted_read(part: str) -> property:
    def read(shape: RunShape) -> Any:
        if (rules := shape._set_by.get(part)) is not None:
            fired(*rules)
        return getattr(shape._plain, part)

    return property(read, doc=f"`{part}`; reading it fires the rules that set it.")


for _part in fields(Shape):  # a field added to Shape is counted with it
    setattr(RunShape, _part.name, _counted_read(_part.name))


@dataclass(frozen=True)
class RuntimeNote:
    """The runtime note being written for one model call, as the rules adding lines to it
    see it (`Rule.note_lines`)."""

    profile: ModelProfile
    request: str  # the turn's user message, as text ("" before one)
    workspace: Path
    # The workspace's files as the turn began, one `path size` a line ("" when none): listed
    # at the first ask of the turn, then kept (nodes/model_prompt.py `turn_listing`).
    files: Callable[[], Awaitable[str]]
    above: tuple[str, ...] = ()  # the lines the rules before this one added


def memory(turn: Turn, rule: Remembers) -> dict[str, Any]:
    """The rule's memory in this turn (`Turn.rules`, under its `memory_key`)."""
    return turn["rules"].setdefault(rule.memory_key, {})


@dataclass
class ModelStep:
    """One model call as the rules see it: what is asked, and (after) the reply."""

    profile: ModelProfile
    shape: Shape
    history: Sequence[BaseMessage]  # the thread's messages
    shown: Sequence[BaseMessage]  # the prompt as built, before any rule changed it
    prompt: list[BaseMessage]  # what is sent (a rule may retell it)
    turn: Turn
    workspace: Path
    kwargs: dict[str, Any] = field(default_factory=dict)  # what the request adds
    ahead: list[BaseMessage] = field(default_factory=list)  # notes stored before the reply
    answer_now: bool = False  # the reply's calls are not run
    wasted: dict[str, Any] | None = None  # the usage of a reply asked again
    response: AIMessage | None = None  # the reply, once there is one
    calls_left: int | None = None  # model calls the turn may still make, this one included
    resampled: int = 0  # replies asked again with sampling on (resample-repeat), this step

    @property
    def request(self) -> str:
        """The turn's user message, as text."""
        i = last_user_index(self.history)
        return text_of(self.history[i].content) if i >= 0 else ""

    @property
    def since_request(self) -> Sequence[BaseMessage]:
        """The messages after the turn's user message."""
        return self.history[last_user_index(self.history) + 1 :]

    def memory(self, rule: Remembers) -> dict[str, Any]:
        return memory(self.turn, rule)


@dataclass(frozen=True)
class Pending:
    """One reply's calls before approval, as the rules see them."""

    messages: Sequence[BaseMessage]  # the thread's messages, the reply last
    calls: Sequence[Mapping[str, Any]]
    turn: Turn
    workspace: Path
    approvals: Mapping[str, Any]  # each tool's approval rule, by name (tools/policy.py)
    rules: Sequence[Any] = ()  # the rules active for the thread (adaptations/rule.py `Rule`)

    @property
    def request(self) -> str:
        i = last_user_index(self.messages)
        return text_of(self.messages[i].content) if i >= 0 else ""

    @property
    def since_request(self) -> Sequence[BaseMessage]:
        i = last_user_index(self.messages)
        return self.messages[i + 1 :] if i >= 0 else self.messages

    @property
    def has_request(self) -> bool:
        return last_user_index(self.messages) >= 0

    def memory(self, rule: Remembers) -> dict[str, Any]:
        return memory(self.turn, rule)
