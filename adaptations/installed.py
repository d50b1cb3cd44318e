"""The rules a package installed beside ml-intern adds: one entry point each in the group
`ml_intern.rules`, naming a `Rule` object (adaptations/rule.py) by the rule's own name.

    # the package's pyproject.toml
    [project.entry-points."ml_intern.rules"]
    my-rule = "my_rules:MY_RULE"       # my_rules.MY_RULE = MyRule("my-rule", every_model, ...)

They are read once per process and resolved with the registry's (adaptations/resolve.py
`known`): after them, switched on and off by name in the config as they are, run at their
hooks by every node, tool and front end with nothing else naming them.

Only the installed environment adds rules: the distributions on the import path the
interpreter started with (site-packages, `.pth` files, the person's own `PYTHONPATH`), less
the entry Python adds for the directory it was started in (`''`, or the working directory
under `python -m`) and the workspace (`ML_INTERN_WORKSPACE`), which the agent can write: a
`*.dist-info` it plants there is never read. A workspace `.env` sets no `PYTHONPATH` of
ml-intern's (configs/workspace_env.py).

An entry point that fails to import, names something not a `Rule`, names a rule by another
name, or a name the registry or another package already declares: skipped, one line naming
it (`problems`, said at the start as an unknown rule name is), and the run goes on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import Distribution, EntryPoint, distributions
from pathlib import Path

from adaptations.rule import Rule

GROUP = "ml_intern.rules"

__all__ = ["GROUP", "Installed", "declares_rules", "discover", "import_path", "installed"]


@dataclass(frozen=True)
class Installed:
    """The rules installed packages add, in the import path's order, and one line for each
    entry point skipped."""

    rules: tuple[Rule, ...] = ()
    problems: tuple[str, ...] = ()


@cache
def installed() -> Installed:
    """The installed rules of this process's environment, read once."""
    from adaptations import registry

    return _discovered(_declaring_here(), {rule.name for rule in registry.RULES})


def declares_rules() -> bool:
    """Whether a distribution of this process's environment names the group at all: without
    one, `installed()` has nothing to say, and the registry need not be imported to know it."""
    return bool(_declaring_here())


@cache
def _declaring_here() -> tuple[Distribution, ...]:
    """This process's distributions that name the group, looked for once."""
    return tuple(_declaring(distributions(path=import_path())))


def import_path(
    path: Sequence[str] | None = None,
    cwd: Path | None = None,
    workspace: str | None = None,
) -> list[str]:
    """The import path entries whose distributions may add rules: `path` (default: `sys.path`)
    less `''`, the working directory and the workspace, the places the agent can write."""
    path = sys.path if path is None else path
    cwd = Path.cwd() if cwd is None else cwd
    workspace = os.environ.get("ML_INTERN_WORKSPACE") if workspace is None else workspace
    writable = {cwd.resolve()} | ({Path(workspace).resolve()} if workspace else set())
    return [entry for entry in path if entry and Path(entry).resolve() not in writable]


def discover(path: Sequence[str], declared: set[str]) -> Installed:
    """The rules the distributions on `path` add (the first of a distribution's name wins, as
    for imports); `declared`: the names already taken (the registry's)."""
    return _discovered(_declaring(distributions(path=list(path))), declared)


def _discovered(dists: Iterable[Distribution], declared: set[str]) -> Installed:
    rules: list[Rule] = []
    problems: list[str] = []
    taken = set(declared)
    for dist in dists:
        for point in dist.entry_points.select(group=GROUP):
            rule, problem = _loaded(point, dist.name, taken)
            if rule is not None:
                rules.append(rule)
                taken.add(rule.name)
            else:
                problems.append(problem)
    return Installed(tuple(rules), tuple(problems))


def _declaring(dists: Iterable[Distribution]) -> Iterator[Distribution]:
    """The distributions whose entry points name the group, each name's first copy only (as
    for imports); most add no rule, and their entry points are not parsed (one file read each)."""
    seen: set[str] = set()
    for dist in dists:
        # as `importlib.metadata.entry_points` tells one distribution's copies (no METADATA read)
        name = getattr(dist, "_normalized_name", None) or str(dist.metadata["Name"]).lower()
        if name in seen:
            continue
        seen.add(name)
        text = dist.read_text("entry_points.txt")
        if text and GROUP in text:
            yield dist


def _loaded(point: EntryPoint, dist: str, taken: set[str]) -> tuple[Rule | None, str]:
    said = f"installed rule {point.name!r} ({point.value}, from {dist})"
    after = "skipped: the run goes on without it."
    try:
        found = point.load()
    except Exception as error:  # a broken package must not stop the run
        return None, f"{said} failed to load ({type(error).__name__}: {error}); {after}"
    if not isinstance(found, Rule):
        kind = type(found).__name__
        return None, f"{said} is a {kind}, not a Rule object (adaptations/rule.py); {after}"
    if found.name != point.name:
        return None, f"{said} names a rule called {found.name!r}; the two must match; {after}"
    if found.name in taken:
        return None, f"{said} has the name of a rule already declared; {after}"
    return found, ""
