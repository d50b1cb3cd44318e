"""A profile's active rules: the registry's rules that apply to it, less those switched off.

>>> from configs.model_profile import profile_of
>>> "look-first" in adapted(profile_of("llamacpp/qwen", env={})).rules
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from adaptations.registry import BY_NAME, NAMES, RULES
from adaptations.rule import Rule, applied

if TYPE_CHECKING:
    from configs.model_profile import ModelProfile
    from configs.settings import Settings

Switches = Mapping[str, Mapping[str, bool]]


class UnknownRule(ValueError):
    """A config names a rule the registry does not declare."""


def adapted(profile: ModelProfile, settings: Settings | None = None) -> ModelProfile:
    """`profile` carrying the names of its active rules."""
    switches = settings.adaptations if settings is not None else {}
    return replace(profile, rules=active_names(profile, switches))


def active_names(profile: ModelProfile, switches: Switches) -> frozenset[str]:
    """The rules that apply to `profile` and are on by default, less those its switches turn
    off, plus those they turn on. An unknown name changes nothing here: the start refuses it
    (`check_switches`), and a turn never ends over a config edited since."""
    off = {name for name, on in (switches.get(profile.model_id) or {}).items() if not on}
    forced = {name for name, on in (switches.get(profile.model_id) or {}).items() if on}
    return frozenset(
        rule.name
        for rule in RULES
        if rule.name not in off
        and (
            rule.name in forced
            or (rule.on_by_default and applied(rule.name, partial(rule.applies, profile), False))
        )
    )


def active_rules(profile: ModelProfile) -> list[Rule]:
    """The profile's active rules, in the registry's order."""
    return [BY_NAME[name] for name in NAMES if name in profile.rules]


def inactive_rules(profile: ModelProfile) -> list[Rule]:
    """The rules that would serve the profile but are not active: off by default (`Rule.off`)
    or switched off in config, in the registry's order."""
    return [
        rule
        for rule in RULES
        if rule.name not in profile.rules
        and applied(rule.name, partial(rule.applies, profile), False)
    ]


def unknown_rules_message(switches: Switches) -> str | None:
    """One line naming the unknown rules a config switches, and the known ones; else None."""
    unknown = sorted({name for rules in switches.values() for name in rules} - set(NAMES))
    if not unknown:
        return None
    return (
        f'unknown adaptation {", ".join(map(repr, unknown))} in the config\'s "adaptations". '
        f"Known rules: {', '.join(NAMES)}. `ml-intern models show MODEL` lists a model's."
    )


def check_switches(switches: Switches) -> None:
    if (problem := unknown_rules_message(switches)) is not None:
        raise UnknownRule(problem)
