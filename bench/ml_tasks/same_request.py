"""Whether rules switched on since a run leave its task's request as it was, so that the run
stands for today's defaults there (bench/ml_tasks/table.py `CARRIED_VARIANTS`).

The request is the same when each such rule acts only through the runtime note
(`Rule.note_lines`, no other hook of adaptations/rule.py or tools/tool_rules.py) and the note
today's rules write for the task's request and starting files equals the note without them.
The note is written as the graph writes it (adaptations/loops.py `note_lines`, the workspace
listed as tools/local/workspace_listing.py lists it), once: its lines depend on the request
and the files as the turn began, which no step of the turn changes.

Why: a rule that adds a line to questions about a table touches a few tasks; those are run
with it, and the rest need not be run again (hours of a slow model) to show it changed nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from adaptations.hooks import RuntimeNote
from adaptations.loops import note_lines
from adaptations.registry import BY_NAME, RULES
from adaptations.rule import Rule
from bench.ml_tasks.rows import active_rules
from bench.ml_tasks.tasks import Task
from configs.model_profile import profile_of
from tools.local.workspace_listing import workspace_listing

# Every hook a rule can act through: the methods of Rule (and its tool hooks) it may override
# (a field holding a function, such as `serves`, is no hook).
HOOKS = tuple(
    name
    for name, _ in inspect.getmembers(Rule, inspect.isfunction)
    if not name.startswith("_")
    and name != "applies"
    and name not in {field.name for field in dataclasses.fields(Rule)}
)


def note_only(rule: Rule) -> bool:
    """`rule` acts through `note_lines` alone: every other hook is Rule's own."""
    return all(
        getattr(type(rule), hook) is getattr(Rule, hook) for hook in HOOKS if hook != "note_lines"
    )


@cache
def todays_defaults(model: str) -> frozenset[str]:
    """The rules on by default today for `model` (a run of this checkout with no switch)."""
    return frozenset(active_rules("default", model))


def request_unchanged(task: Task, added: Iterable[str], model: str) -> bool:
    """The rules `added` (switched on since), among today's defaults for `model`, leave the
    request of `task` as it was without them."""
    return _unchanged(task, frozenset(added), model)


@cache
def _unchanged(task: Task, added: frozenset[str], model: str) -> bool:
    if not all(name in BY_NAME and note_only(BY_NAME[name]) for name in added):
        return False
    profile = profile_of(model, env={})
    today = [rule for rule in RULES if rule.name in todays_defaults(model)]
    if not added <= todays_defaults(model):
        return False
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "ws"
        task.prepare(workspace)
        listing = workspace_listing(workspace)

        async def files() -> str:
            return listing

        note = RuntimeNote(profile, task.prompt, workspace, files)
        with_them = asyncio.run(note_lines(today, note))
        without = asyncio.run(note_lines([r for r in today if r.name not in added], note))
    return with_them == without
