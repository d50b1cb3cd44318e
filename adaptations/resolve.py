"""A model's rules, resolved once per model and role: the registry's rules that apply to its
profile, less those switched off, plus those switched on that can serve it; then, for a role
(the main agent, the research sub-agent), those serving that role, with the prompt's shape
their `shape` hooks set (`Active`). The nodes and the tools read this, kept for their thread by
nodes/thread_rules.py, never a rule's name.

>>> from configs.model_profile import profile_of
>>> active(adapted(profile_of("llamacpp/qwen", env={}))).shape.compact_prompt
True
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import partial
from typing import TYPE_CHECKING

from adaptations import registry
from adaptations.hooks import RunShape, Shape
from adaptations.installed import installed
from adaptations.rule import FAILED_RULES, Rule, applied
from tools.adaptation_guard import for_model

if TYPE_CHECKING:
    from configs.model_profile import ModelProfile
    from configs.prompt import Role
    from configs.settings import Settings

Switches = Mapping[str, Mapping[str, bool]]
log = logging.getLogger("ml_intern.adaptations")


__all__ = ["FAILED_RULES", "Active", "active", "adapted", "switch_problems", "unknown_names"]


@dataclass(frozen=True)
class Active:
    """The rules active for one model and role, in the registry's order, and the builder's
    switches their `shape` hooks set; each node loops over `rules` at its hook."""

    rules: tuple[Rule, ...] = ()
    shape: Shape = field(default_factory=Shape)
    # Which rules' `shape` hooks set each switch of `shape` (a field name): a step that reads
    # the switch counts them as fired (`run_reads`).
    set_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def run_reads(self) -> Active:
        """These rules as a run's nodes and tools are handed them (nodes/thread_rules.py): their
        shape a `RunShape`, whose reads fire the rules that set each part."""
        return replace(self, shape=RunShape(self.shape, self.set_by))


def adapted(profile: ModelProfile, settings: Settings | None = None) -> ModelProfile:
    """`profile` carrying the names of its active rules."""
    switches = settings.adaptations if settings is not None else {}
    return replace(profile, rules=active_names(profile, switches))


def known() -> tuple[Rule, ...]:
    """The registry's rules, then those installed packages add (adaptations/installed.py)."""
    return (*registry.RULES, *installed().rules)


def reply_notes() -> frozenset[str]:
    """The note kinds the known rules' `check_reply` send a final answer back to work with."""
    return frozenset(rule.note for rule in known() if rule.note is not None)


def active_names(profile: ModelProfile, switches: Switches) -> frozenset[str]:
    """The rules that apply to `profile` and are on by default, less those its switches turn
    off, plus those they turn on that can serve it. An unknown name, or one switched on for a
    profile it cannot serve, changes nothing here: the start says so (`switch_problems`), and
    the run goes on without it. A rule dropped in this process (its hook raised) applies
    nowhere."""
    for_model(profile.model_id)  # a hook that raises now names it
    said = switches.get(profile.model_id) or {}
    off = {name for name, on in said.items() if not on}
    forced = {name for name, on in said.items() if on}
    return frozenset(
        rule.name
        for rule in known()
        if rule.name not in off
        and (
            (rule.name in forced and _serves(rule, profile))
            or (rule.on_by_default and applied(rule.name, partial(rule.applies, profile), False))
        )
    )


def _serves(rule: Rule, profile: ModelProfile) -> bool:
    return applied(rule.name, partial(rule.serves, profile), False)


def active(profile: ModelProfile, role: Role = "agent") -> Active:
    """The rules of `profile` (its names, resolved by `adapted`) serving `role`, less those
    dropped in this process, and their shape: resolved once per model, window, role and
    dropped rules, then kept."""
    for_model(profile.model_id)
    names = profile.rules.difference(FAILED_RULES)
    key = (profile.model_id, profile.context_window, names, role, known())
    if (found := _ACTIVE.get(key)) is None:
        if len(_ACTIVE) >= 256:  # a long-lived server: keep the newest
            _ACTIVE.pop(next(iter(_ACTIVE)))
        chosen = tuple(r for r in known() if r.name in names and role in r.roles)
        shape, set_by = Shape(), dict[str, tuple[str, ...]]()
        for rule in chosen:  # the `shape` hooks, each once per model and role
            shaped = applied(rule.name, partial(rule.shape, shape, profile), shape)
            for part in (f.name for f in fields(Shape)):
                if getattr(shaped, part) != getattr(shape, part):
                    set_by[part] = (*set_by.get(part, ()), rule.name)
            shape = shaped
        found = _ACTIVE[key] = Active(chosen, shape, set_by)
    return found


_ACTIVE: dict[tuple[object, ...], Active] = {}


def active_rules(profile: ModelProfile) -> list[Rule]:
    """The profile's active rules, in the registry's order."""
    return [rule for rule in known() if rule.name in profile.rules]


def inactive_rules(profile: ModelProfile) -> list[Rule]:
    """The rules that would serve the profile but are not active: off by default (`Rule.off`)
    or switched off in config, in the registry's order."""
    return [
        rule
        for rule in known()
        if rule.name not in profile.rules
        and applied(rule.name, partial(rule.applies, profile), False)
    ]


def unknown_names(switches: Switches) -> list[str]:
    """The rule names a config switches that the registry does not declare."""
    names = {rule.name for rule in known()}
    return sorted({name for rules in switches.values() for name in rules} - names)


def unknown_rules_message(switches: Switches) -> str | None:
    """One line naming the unknown rules a config switches, and the known ones; else None."""
    names = tuple(rule.name for rule in known())
    unknown = unknown_names(switches)
    if not unknown:
        return None
    return (
        f'unknown adaptation {", ".join(map(repr, unknown))} in the config\'s "adaptations" '
        f"(ignored; the run goes on without it). Known rules: {', '.join(names)}. "
        "`ml-intern models show MODEL` lists a model's."
    )


def unserved_rules(profile: ModelProfile, switches: Switches) -> list[Rule]:
    """The rules the config switches on for `profile` that cannot serve it (`Rule.serves`)."""
    said = switches.get(profile.model_id) or {}
    return [rule for rule in known() if said.get(rule.name) and not _serves(rule, profile)]


def switch_problems(profile: ModelProfile, switches: Switches) -> list[str]:
    """One line for each rule the run goes on without: an unknown rule name, a rule switched
    on for a profile it cannot serve, an installed package's rule that could not be loaded."""
    problems = [*installed().problems]
    problems += [found] if (found := unknown_rules_message(switches)) else []
    problems += [
        f"adaptation {rule.name!r} is switched on for {profile.model_id}, which it cannot "
        f"serve ({rule.serves.__doc__ or 'another kind of model'}): the run goes on without it."
        for rule in unserved_rules(profile, switches)
    ]
    return problems


def said_once(problems: list[str], _said: set[str] = set()) -> None:  # noqa: B006
    """Log each problem with the config's switches once per process."""
    for problem in problems:
        if problem not in _said:
            _said.add(problem)
            log.warning("%s", problem)
