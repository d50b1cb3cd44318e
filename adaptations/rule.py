"""What one adaptation is: a name, a hook, the profiles it applies to, and why.

>>> from configs.model_profile import profile_of
>>> rule = Rule("look-first", "prompt", small_window, "it guesses files it never read")
>>> rule.applies(profile_of("llamacpp/qwen", env={}))
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from tools.adaptation_guard import FAILED_RULES, applied

__all__ = ["FAILED_RULES", "Hook", "Rule", "applied", "every_model", "small_window", "when_active"]

if TYPE_CHECKING:
    from configs.model_profile import ModelProfile

# Where a rule works:
# - "prompt": shapes the request (system prompt, runtime note, toolset, request options);
# - "reply": checks a reply before it ends the turn (smolagents' `final_answer_checks`);
# - "call": holds or answers a tool call before it runs;
# - "result": annotates (or sizes) a tool's result.
Hook = Literal["prompt", "reply", "call", "result"]
Profiles = Callable[["ModelProfile"], bool]


def every_model(profile: ModelProfile) -> bool:
    """Helps any model: always on unless switched off in config."""
    return True


def small_window(profile: ModelProfile) -> bool:
    """A model with a small context window (configs/model_profile.py `SMALL_WINDOW_TOKENS`)."""
    return profile.small_window


def small_on_llamacpp(profile: ModelProfile) -> bool:
    """A small-window model served by llama.cpp (its sampler takes a repetition penalty)."""
    return profile.small_window and profile.local_server == "llamacpp"


@dataclass(frozen=True)
class Rule:
    name: str
    hook: Hook
    profiles: Profiles
    why: str
    # The model-visible texts it adds, as "module:NAME" of the template where it is written
    # (its token cost is these, counted: `ml-intern models show` resolves them). Empty when
    # it adds no fixed text (it shapes, sizes or reorders what the model reads).
    texts: tuple[str, ...] = ()
    # Why it is off by default ("" when on): it applies to `profiles` only where config
    # switches it on (`"adaptations": {"<model id>": {"<rule>": true}}`).
    off: str = ""

    def applies(self, profile: ModelProfile) -> bool:
        """It serves `profile` (on by default, unless `off`)."""
        return self.profiles(profile)

    @property
    def on_by_default(self) -> bool:
        return not self.off

    @property
    def profiles_name(self) -> str:
        return getattr(self.profiles, "__name__", "custom").replace("_", "-")


def when_active[T](
    rules: frozenset[str], rule: str, fallback: T, check: Callable[..., T], *args: Any
) -> T:
    """`check(*args)` when `rule` is one of the active `rules` (a rule that raises is skipped),
    else `fallback`."""
    return applied(rule, partial(check, *args), fallback) if rule in rules else fallback
