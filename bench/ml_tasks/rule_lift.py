"""Each rule's measured lift on the ML-task sets, read from the rows of bench/ml_tasks/results/
(never typed by hand): the dev and held-out runs with the rule and without it, and a verdict.

Only our harness's runs count, of this checkout (no `checkout`), on one model (`MODEL`, the
small-window profile the benchmark runs). A run's *rule set* is the rules active in it:
`rules`, written by bench/ml_tasks/rows.py from the run's `--adaptations` (`none`: no rule). A
row that does not name its rules (taken before rows did) has its switches instead (its `adaptations` items,
`default` none), over the defaults of its day, which all such rows share: a rule switched off
(`-R`) was on by default then, one switched on (`+R`) off, or no run would have switched it.

For a rule R, *with R* and *without R* are runs whose rule sets differ by R alone, everything
else equal (the temperature a run asked for too), and none of the rules they share off by
default today (what R does beside a rule off by default is not what it does in the defaults),
whatever the rows are named (`default` against `-R`, `+R` against `default`, the
variant `lean` against `lean-minus-R`): a set holding R against that set without it; switches
holding `-R` against the same without `-R` (its with side), or holding `+R` against the same
without it (its without side). A set of rules kept together (`set_evidence`) pairs the same
way, by the whole set. Per task set (dev, held-out), each pair is compared on the tasks both
its sides ran where the rule acted (`acted_on`: for a rule the request sets acting,
`set_by_request`, a task whose runs with it all recorded their `fired` counts and none names
it is left out: it never acted there, so a difference on it is sampling, not the rule; a rule
that acts on what a run does is counted on every task). On each of those tasks the pair's
sides count as many runs each as the side with fewer runs of it ran (`first_runs`): their
first by `repeat` (the pass it was: each side's earliest passes), runs of the same repeat in
the rows' order (as `load_rows` reads them, the data files by name, which lead with their
date, then by line: the earlier taken first), never by how a run came out. Summed
runs would weigh a task by how often each side happened to run it: three runs a side against
six, the six would count twice, and a side never behind on any task could show a drop. The
pairs are then summed: a side's figure is its kept runs solved of its kept runs on those
tasks, and a set is *measured* when each side has at least `MIN_PASSES` kept runs (passes)
of each of those tasks (the two sides keep the same count of each, so one side's says both).

The verdict:

- `lift`: dev and held-out both measured, dev solved share with R above without
  (strictly), and held-out with R at least without (no drop);
- `no lift`: dev measured and its share with R at most without, or held-out measured and
  its share with R below without;
- `not measured`: anything else (too few passes on a set, or no rows).

The verdict of a set kept together (`Rule.kept == "set-lift"`) is `provisional lift` where
dev with the set is above without but a set is not measured (under `MIN_PASSES` passes, or
no held-out rows) and no measured figure drops.

>>> evidence("look-first", rows=[]).verdict
'not measured'
>>> def run(rules: list[str], repeat: int, solved: bool) -> dict[str, Any]:
...     return {"harness": "ours", "model": MODEL, "set": "dev", "task": "t", "rules": rules,
...             "repeat": repeat, "solved": solved}
>>> with_it = [run(["r"], 0, True), run(["r"], 1, False), run(["r"], 2, False)]
>>> without = [run([], n, n > 2) for n in range(6)]  # three more runs: repeats 3-5 left out
>>> str(evidence("r", with_it + without).dev)
'1/3 with, 0/3 without'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from adaptations.registry import BY_NAME
from bench.ml_tasks.same_request import todays_defaults
from bench.ml_tasks.table import load_rows

MODEL = "llamacpp/local"
MIN_PASSES = 3
Verdict = Literal["lift", "provisional lift", "no lift", "not measured"]
NOT_MEASURED = "not measured on the task sets yet"


@dataclass(frozen=True)
class Side:
    """Kept runs solved of kept runs (`first_runs`), on the tasks both sides ran, and the
    fewest kept runs of any task."""

    solved: int = 0
    ran: int = 0
    fewest: int = 0

    @property
    def share(self) -> Fraction:
        return Fraction(self.solved, self.ran) if self.ran else Fraction(0)

    def __str__(self) -> str:
        return f"{self.solved}/{self.ran}" if self.ran else "-"


@dataclass(frozen=True)
class SetFigures:
    with_rule: Side = Side()
    without: Side = Side()
    idle: bool = False  # both sides ran tasks, and the rule acted in none of them

    @property
    def measured(self) -> bool:
        return min(self.with_rule.fewest, self.without.fewest) >= MIN_PASSES

    def __str__(self) -> str:
        if self.idle:
            return "never acted"
        if not self.with_rule.ran and not self.without.ran:
            return "not measured"
        shown = f"{self.with_rule} with, {self.without} without"
        return shown if self.measured else f"{shown} (under {MIN_PASSES} passes)"


@dataclass(frozen=True)
class Evidence:
    rule: str
    dev: SetFigures
    held_out: SetFigures

    @property
    def verdict(self) -> Verdict:
        dev, held = self.dev, self.held_out
        dev_up = dev.measured and dev.with_rule.share > dev.without.share
        if dev_up and held.measured and held.with_rule.share >= held.without.share:
            return "lift"
        if dev.measured and dev.with_rule.share <= dev.without.share:
            return "no lift"
        if held.measured and held.with_rule.share < held.without.share:
            return "no lift"
        return "not measured"

    @property
    def set_verdict(self) -> Verdict:
        """`verdict`, or `provisional lift` where dev with is above without on too few passes
        or without held-out rows, and no measured figure drops."""
        found = self.verdict
        dev, held = self.dev, self.held_out
        if found != "not measured" or not dev.with_rule.ran or not dev.without.ran:
            return found
        if dev.with_rule.share > dev.without.share and (
            not held.measured or held.with_rule.share >= held.without.share
        ):
            return "provisional lift"
        return found

    @property
    def off_reason(self) -> str:
        """What a rule off by default for want of a lift says (adaptations/registry.py)."""
        idle = self.dev.idle or self.held_out.idle
        if self.verdict == "not measured" and not idle:
            return f"no measured lift: {NOT_MEASURED}"
        return f"no measured lift: dev {self.dev}; held-out {self.held_out}"


def attributed(rows: Iterable[dict[str, Any]], model: str = MODEL) -> list[dict[str, Any]]:
    """Our runs of this checkout on `model`."""
    return [r for r in rows if r.get("harness") == "ours" and not r.get("checkout")
            and r.get("model") == model]  # fmt: skip


# A run's rule set: ("rules", the rules active) or, for a row taken before rows named them,
# ("switches", its `adaptations` items, `-R`/`+R`) over the defaults of its day.
RuleSet = tuple[str, frozenset[str]]


def rule_set(row: dict[str, Any]) -> RuleSet:
    """The rules active in the run of `row` (see the module's contract)."""
    if isinstance(row.get("rules"), list):
        return "rules", frozenset(row["rules"])
    spec = str(row.get("adaptations") or "default")
    if spec == "none":
        return "rules", frozenset()
    return "switches", frozenset() if spec == "default" else frozenset(
        part.strip() for part in spec.split(",")
    )


def pairs(names: Iterable[str], rows: Sequence[dict[str, Any]]) -> list[tuple[list[dict[str, Any]], ...]]:  # fmt: skip
    """Each pair of run groups whose rule sets differ by exactly `names`: (the rows with
    them, the rows without), everything else equal (the temperature a run asked for too), and
    nothing they share off by default today (`beside_defaults`)."""
    names = frozenset(names)
    groups: dict[tuple[RuleSet, Any], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((rule_set(row), row.get("temperature")), []).append(row)
    off = frozenset(f"-{name}" for name in names)
    on = frozenset(f"+{name}" for name in names)
    found = []
    for ((kind, items), sampled), runs in groups.items():
        if kind == "rules" and names <= items:
            shared: RuleSet = (kind, items - names)
            found.append((shared, runs, groups.get((shared, sampled), [])))
        elif kind == "switches" and off <= items:
            shared = (kind, items - off)
            found.append((shared, groups.get((shared, sampled), []), runs))
        elif kind == "switches" and on <= items:
            shared = (kind, items - on)
            found.append((shared, runs, groups.get((shared, sampled), [])))
    return [(with_it, without) for shared, with_it, without in found
            if with_it and without and beside_defaults(shared)]  # fmt: skip


def beside_defaults(shared: RuleSet) -> bool:
    """No rule the two sides of a pair share (`shared`: the side without) is one of the
    registry's that is off by default today: a pair measured beside such a rule says what a
    rule does with it, not what it does in today's defaults. Why: `quoted-python` showed a
    lift only beside `code-block` (off), and alone none."""
    kind, items = shared
    beside = items if kind == "rules" else {i[1:] for i in items if i.startswith("+")}
    return not any(name in BY_NAME and name not in todays_defaults(MODEL) for name in beside)


def acted_on(names: Iterable[str], runs: Sequence[dict[str, Any]]) -> set[str]:
    """The tasks of `runs` (a pair's side with the rules `names`) where one of the rules may
    have acted: some run recorded one of them firing, or some run recorded nothing (a row
    taken before runs counted their rules, bench/ml_tasks/rows.py `fired`)."""
    wanted = set(names)
    return {r["task"] for r in runs
            if not isinstance(r.get("fired"), dict) or wanted & set(r["fired"])}  # fmt: skip


def set_by_request(names: Iterable[str]) -> bool:
    """Whether the rules `names` act, if at all, where the request and the workspace it
    starts in say (a `prompt` rule: its lines or its switch, from the first call on), so that
    a task where their runs never recorded them is one they cannot act on. A rule at another
    hook acts on what a run does (a reply it checks, a result it adds to): its runs where it
    never acted are those that went another way, and leaving their tasks out would compare the
    runs that went wrong with it against every run without it. A name the registry does not
    hold is taken as set by the request."""
    return all(BY_NAME[name].hook == "prompt" for name in names if name in BY_NAME)


def first_runs(runs: Sequence[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The first `count` of `runs` (one side's runs of one task) by `repeat`, ties in the
    order given (the rows' order in the data files): never by how a run came out."""
    order = sorted(range(len(runs)), key=lambda i: (int(runs[i].get("repeat") or 0), i))
    return [runs[i] for i in order[:count]]


def set_figures(found: Sequence[tuple[list[dict[str, Any]], ...]], task_set: str,
                names: Iterable[str] = ()) -> SetFigures:  # fmt: skip
    """The pairs' runs on `task_set`, each pair on the tasks both its sides ran where the rules
    `names` acted (`acted_on`, read from all the side's runs; no names: every such task), each
    task as many runs a side as the side with fewer ran (`first_runs`), summed."""
    sides: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    names, ran = list(names), False
    for pair in found:
        mine = [[r for r in side if r["set"] == task_set] for side in pair]
        common = set.intersection(*({r["task"] for r in side} for side in mine))
        ran = ran or bool(common)
        common &= acted_on(names, mine[0]) if names else common
        for task in sorted(common):
            of_task = [[r for r in side if r["task"] == task] for side in mine]
            fewer = min(len(runs) for runs in of_task)
            for kept, runs in zip(sides, of_task, strict=True):
                kept += first_runs(runs, fewer)
    tasks = {r["task"] for r in sides[0]}
    if not tasks:
        return SetFigures(idle=ran)
    return SetFigures(*(
        Side(sum(bool(r["solved"]) for r in runs), len(runs),
             min(sum(r["task"] == task for r in runs) for task in tasks))
        for runs in sides
    ))  # fmt: skip


def evidence(rule: str, rows: Iterable[dict[str, Any]] | None = None) -> Evidence:
    """The rule's figures on both sets from `rows` (default: the committed rows)."""
    return set_evidence([rule], rows, name=rule)


def every_rule(names: Iterable[str], rows: Iterable[dict[str, Any]] | None = None) -> dict[str, Evidence]:  # fmt: skip
    """Each rule's evidence, the rows read once."""
    loaded = list(load_rows() if rows is None else rows)
    return {name: evidence(name, loaded) for name in names}


def set_evidence(names: Iterable[str], rows: Iterable[dict[str, Any]] | None = None,
                 name: str = "") -> Evidence:  # fmt: skip
    """The figures of the rules `names` kept together, with the set and without it."""
    names = sorted(names)
    found = pairs(names, attributed(load_rows() if rows is None else rows))
    acting = names if set_by_request(names) else []
    return Evidence(name or f"{len(names)} rules", set_figures(found, "dev", acting),
                    set_figures(found, "held-out", acting))  # fmt: skip
