"""What one rule for weaker models is: an object that carries its behaviour in typed hooks.

A rule declares its name, the profiles it applies to, why it exists and the texts it adds;
its class overrides the hooks it works at, named as LangChain's agent middleware names them
(`langchain.agents.middleware.AgentMiddleware`, which our nodes do not run: LangChain 1.x is
not installed and its hooks take its own agent's state). Each node runs one loop over the
rules active for the thread at its hook (adaptations/resolve.py `Active`); every hook does
nothing by default.

- `shape`: the prompt builder's switches it sets (system prompt form, toolset, the note's
  place, limits: `Shape`), resolved once per model and role;
- `note_lines`: the lines it adds to the runtime note, after the note's own, in the
  registry's order;
- `before_model`: the request about to be sent (its prompt, notes stored before the reply);
- `wrap_model_call`: around the model call (ask again, with other options);
- `after_model`: the reply as kept;
- `check_reply`: a final answer checked before it ends the turn (a note sends it back, once
  a turn per `memory` key);
- `wrap_tool_call`: a reply's calls answered instead of run; `policy`: a reply's calls the
  approval policy denies for it, with their answers; `loop_guard`: what the loop guard says
  instead of its own words;
- the tool hooks (tools/tool_rules.py): what it adds to a tool's result.

>>> from configs.model_profile import profile_of
>>> Rule("a-rule", small_window, "it guesses files").applies(profile_of("llamacpp/q", env={}))
True
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from tools.adaptation_guard import FAILED_RULES, applied, fired, hooked
from tools.tool_rules import ToolRule

__all__ = [
    "FAILED_RULES",
    "SET_LIFT",
    "Hook",
    "Kept",
    "Kinds",
    "Rule",
    "applied",
    "every_model",
    "fired",
    "hooked",
    "small_window",
]

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage, ToolMessage

    from adaptations.hooks import ModelStep, Pending, RuntimeNote, Shape
    from configs.model_profile import ModelProfile
    from configs.prompt import Role
    from models.messages import RuleKind

# Where a rule works, as `ml-intern models show` labels it.
Hook = Literal["prompt", "model", "reply", "call", "result"]
# Why a rule is on by default, each measured (tests/adaptations/test_evidence.py holds the
# figures to it): "fit", with it the request or a result takes less of a small window
# (bench/rule_fit.py); "capability", without it the model's calls are not run
# (bench/rule_fit.py); "lift", the task sets are solved more often with it
# (bench/ml_tasks/rule_lift.py); "set-lift", the rules kept this way switched off together
# cost the task sets their lift (bench/ml_tasks/rule_lift.py `set_evidence`; `SET_LIFT`): a
# lift of the set, not of each rule; "pair-lift", the rule with those it names (`kept_with`),
# switched on together, solved the task sets more often than today's defaults without them
# (`set_evidence`, the figures in `measured`): a lift of the pair, not of each rule.
Kept = Literal["fit", "capability", "lift", "set-lift", "pair-lift"]
# What `set-lift` rests on today, said wherever the reason is shown (`ml-intern models show`,
# docs/reference/adaptations.md); tests/adaptations/test_evidence.py holds it to the rows.
SET_LIFT = (
    "measured as a set: the set-lift rules switched off together on llamacpp/local, three "
    "passes a side: dev 15 of 42 runs with them, 3 of 42 without; held-out 0 of 51 either "
    "way; a lift of the set, not of each rule"
)
Profiles = Callable[["ModelProfile"], bool]
Handler = Callable[[dict[str, Any]], Awaitable["AIMessage"]]
# A rule's own kinds of message, each with the templates the model reads in it (`Rule.notes`).
Kinds = Mapping["RuleKind", tuple[str, ...]]
AGENT: frozenset[Role] = frozenset({"agent"})
EVERY_ROLE: frozenset[Role] = frozenset({"agent", "research"})


def every_model(profile: ModelProfile) -> bool:
    """Helps any model: always on unless switched off in config."""
    return True


def small_window(profile: ModelProfile) -> bool:
    """A model with a small context window (configs/model_profile.py `SMALL_WINDOW_TOKENS`)."""
    return profile.small_window


def small_on_llamacpp(profile: ModelProfile) -> bool:
    """A small-window model served by llama.cpp (its sampler takes a repetition penalty)."""
    return profile.small_window and on_llamacpp(profile)


def on_llamacpp(profile: ModelProfile) -> bool:
    """A model served by llama.cpp."""
    return profile.local_server == "llamacpp"


def writes_text_calls(profile: ModelProfile) -> bool:
    """A model that writes its tool calls as text (local servers unless the config says)."""
    return profile.text_tool_calls


@dataclass(frozen=True)
class Rule(ToolRule):
    name: str
    profiles: Profiles
    why: str
    # The model-visible texts it adds, as "module:NAME" of the template where it is written
    # (its token cost is these, counted: `ml-intern models show` resolves them). Empty when
    # it adds no fixed text (it shapes, sizes or reorders what the model reads).
    texts: tuple[str, ...] = ()
    # Why it is off by default ("" when on): it applies to `profiles` only where config
    # switches it on (`"adaptations": {"<model id>": {"<rule>": true}}`).
    off: str = ""
    # Why it is on by default when it is (`Kept`): a rule is on by default iff it has one.
    kept: Kept | None = None
    # A `pair-lift` rule's partners, and what the pair's lift rests on (the rows' figures).
    kept_with: tuple[str, ...] = ()
    measured: str = ""
    # The roles it serves: the main agent, the research sub-agent.
    roles: frozenset[Role] = AGENT
    # The profiles it can serve at all, switched on or not (a retry with llama.cpp's own
    # sampler needs llama.cpp): a config switching it on elsewhere is told, and it stays off.
    serves: Profiles = every_model
    # Where its memory across steps lives in the turn (`Turn.rules`): its own name unless it
    # shares one note a turn with another rule.
    memory: str = ""

    hook: ClassVar[Hook] = "prompt"
    # The kind of its `check_reply` note (each sent once a turn per `memory`), one of `notes`.
    note: ClassVar[RuleKind | None] = None
    # What it adds to the history, by kind, each with the templates the model reads in it:
    # its notes, and the answers the calls it holds get instead of running. Its own kinds, not
    # the runtime's (models/messages.py `RuleKind`); the registry collects them for the
    # catalogue of what the model reads (docs/reference/texts.md).
    notes: ClassVar[Kinds] = {}
    held: ClassVar[Kinds] = {}

    def applies(self, profile: ModelProfile) -> bool:
        """It serves `profile` (on by default, unless `off`)."""
        return self.profiles(profile)

    @property
    def on_by_default(self) -> bool:
        return not self.off

    @property
    def on_because(self) -> str:
        """Why it is on by default, as shown: its `kept`, with what a `set-lift` or a
        `pair-lift` rests on."""
        if self.kept == "set-lift":
            return f"set-lift, {SET_LIFT}"
        if self.kept == "pair-lift":
            return f"pair-lift with {', '.join(self.kept_with)}, {self.measured}"
        return self.kept or ""

    @property
    def profiles_name(self) -> str:
        return getattr(self.profiles, "__name__", "custom").replace("_", "-")

    @property
    def memory_key(self) -> str:
        return self.memory or self.name

    # --- the model hooks (the tool hooks: tools/tool_rules.py) -------------------------------

    def shape(self, shape: Shape, profile: ModelProfile) -> Shape:
        """The builder's switches it sets: `shape` with its part set."""
        return shape

    async def note_lines(self, note: RuntimeNote) -> Sequence[str]:
        """The lines it adds to this call's runtime note (none: it fires only when it adds)."""
        return ()

    def before_model(self, step: ModelStep) -> None:
        """Change the request about to be sent (`step.prompt`, `.kwargs`, `.ahead`)."""

    async def wrap_model_call(
        self, step: ModelStep, kwargs: dict[str, Any], handler: Handler
    ) -> AIMessage:
        """The reply: `handler(kwargs)` asks the model (the next rule's wrap, or the model)."""
        return await handler(kwargs)

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        """The reply as kept."""
        return response

    def check_reply(self, step: ModelStep) -> str | None:
        """The note that sends a final answer (`step.response`) back to work, or None."""
        return None

    def asked_left(self, step: ModelStep | Pending) -> str | None:
        """What the request still asks for (a file to write or fix), said to a repeat."""
        return None

    def wrap_tool_call(self, pending: Pending) -> Mapping[str, ToolMessage]:
        """The answers, by call id, to the reply's calls it holds instead of running."""
        return {}

    def loop_guard(self, what: str) -> str | None:
        """The note the loop guard sends instead of its own (nodes/doom_check.py), `what` the
        repetition it saw; None leaves the guard's own words."""
        return None

    def policy(self, pending: Pending) -> Mapping[str, ToolMessage]:
        """The answers, by call id, to the reply's calls it asks the approval policy to deny
        (tools/policy.py `judge_reply`): each is denied whatever its tool's rule says, and
        answered with this; a rule only denies, never approves. The whole reply is shown,
        the calls `wrap_tool_call` answers included."""
        return {}
