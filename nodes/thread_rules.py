"""A thread's model profile and the rules active for its role, resolved once and then read by
every node and tool of every step (`known_rules`; `thread_rules` also asks a local server for
its window once).

A resolution is kept by what feeds it, looked up by the model id (`/model` changes
`state["model"]`), the window the thread knows (`state["context_window"]`, learned on an
overflow or from a local server) and the role, and held while the rest is what it was: what
the profile reads of the settings and the environment (configs/model_profile.py
`profile_inputs`), the config's adaptation switches, the rules known (the registry's and
those installed packages add) and the rules dropped in this process (a hook raised: gone from
the next resolution on). Settings are not changed in place at run time (`/model`, `/effort`
and `/yolo` change the thread's state; a reload or a mode switch makes new Settings), yet
they are compared by value, against a copy, so a change in place counts too. A problem with
the switches is said when they are first resolved (`said_once`), as before.

Why: one memo the four nodes share; deps serve every thread of a graph, the key is per thread.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adaptations import registry
from adaptations.installed import Installed, installed
from adaptations.resolve import Active, active, adapted, said_once, switch_problems
from configs.model_profile import ModelProfile, profile_inputs, profile_of
from nodes.context_window import stated_windows, with_stated_window
from tools.adaptation_guard import FAILED_RULES, for_model

if TYPE_CHECKING:
    from adaptations.rule import Rule
    from configs.prompt import Role
    from configs.settings import Settings

KEPT_AT_MOST = 256  # a long-lived server: the oldest go first


@dataclass(frozen=True)
class ThreadRules:
    """The thread's model profile, with the window it knows and its active rule names, and
    the rules serving the role, with the prompt's shape they give (adaptations/resolve.py),
    read as the run reads it: a part read fires the rules that set it (`Active.run_reads`)."""

    profile: ModelProfile
    active: Active


def known_rules(
    state: Mapping[str, Any], model_id: str, settings: Settings, role: Role = "agent"
) -> ThreadRules:
    """The model's profile with the window the config gives or its server already stated
    (`state` holds `context_window`), and its rules for `role`; the server is not asked."""
    return _kept(model_id, stated_windows(state, settings.model_name).get(model_id), settings, role)


async def thread_rules(
    state: Mapping[str, Any], model_id: str, settings: Settings, role: Role = "agent"
) -> tuple[ThreadRules, dict[str, int] | None]:
    """`known_rules`, with the window this thread knows: the config's, else one its server
    stated (on an overflow, or asked once: local servers say what they were started with).
    Also the new state value when the window was just learned, else None."""
    found = known_rules(state, model_id, settings, role)
    profile = found.profile
    if profile.window_source in ("config", "server") or not profile.local:
        return found, None
    from models.probe import server_window

    window = await server_window(profile)
    if window is None:
        return found, None
    learned = with_stated_window(state, settings.model_name, model_id, window)
    return _kept(model_id, window, settings, role), learned


@dataclass(frozen=True)
class _Kept:
    inputs: tuple[object, ...]  # a copy of what fed it
    failed: frozenset[str]
    rules: tuple[Rule, ...]
    installed: Installed
    resolved: ThreadRules

    def holds(self, inputs: tuple[object, ...]) -> bool:
        return (
            self.inputs == inputs
            and FAILED_RULES.keys() == self.failed
            and registry.RULES is self.rules
            and installed() is self.installed
        )


# One resolution per model, window and role: other settings for it resolve it again.
_KEPT: dict[tuple[str, int | None, str], _Kept] = {}


def _kept(model_id: str, window: int | None, settings: Settings, role: Role) -> ThreadRules:
    inputs = (*profile_inputs(model_id, settings), settings.adaptations)
    key = (model_id, window, role)
    if (kept := _KEPT.get(key)) is None or not kept.holds(inputs):
        # What it is resolved from, taken first: a rule dropped meanwhile resolves it again.
        fed = (copy.deepcopy(inputs), frozenset(FAILED_RULES), registry.RULES, installed())
        if key not in _KEPT and len(_KEPT) >= KEPT_AT_MOST:
            _KEPT.pop(next(iter(_KEPT)))
        kept = _KEPT[key] = _Kept(*fed, _resolved(model_id, window, settings, role))
    for_model(model_id)  # a hook that raises in this step names the model
    return kept.resolved


def _resolved(model_id: str, window: int | None, settings: Settings, role: Role) -> ThreadRules:
    profile = profile_of(model_id, settings)
    if window is not None:
        profile = profile.with_window(window)  # config wins over the server
    said_once(switch_problems(profile, settings.adaptations))  # the run goes on without them
    profile = adapted(profile, settings)
    return ThreadRules(profile, active(profile, role).run_reads())  # reads on the run's path
