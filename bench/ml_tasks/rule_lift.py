"""Each rule's measured lift on the ML-task sets, read from the rows of bench/ml_tasks/results/
(never typed by hand): the dev and held-out runs with the rule and without it, and a verdict.

Only our harness's runs count, of this checkout (no `checkout`), on one model (`MODEL`, the
small-window profile the benchmark runs). A row names the rules active in its run
(`rules`, written by bench/ml_tasks/rows.py from the run's `--adaptations`). For a rule R:

- *with R*: rows whose `rules` hold R and whose `adaptations` are `default` or `+R`;
- *without R*: rows whose `rules` lack R and whose `adaptations` are `default` or `-R`.

So a rule on by default is measured by `default` against `--adaptations=-R`, one off by
default by `--adaptations=+R` against `default`; `none` and specs switching several rules
count for none of them. A row taken before rows named their rules counts as with R when it
is `default` and as without R when it is `-R`, and only where some `-R` row exists (R was on
by default then, or it would not have been switched off). Per set, the two sides are compared on the tasks both ran; a side's
figure is its runs solved of its runs on those tasks, and a set is *measured* when each side
ran each of those tasks in at least `MIN_PASSES` passes (runs).

The verdict:

- `lift`: dev and held-out both measured, dev solved share with R above without
  (strictly), and held-out with R at least without (no drop);
- `no lift`: dev measured and its share with R at most without, or held-out measured and
  its share with R below without;
- `not measured`: anything else (too few passes on a set, or no rows).

A set of rules kept together (`Rule.kept == "set-lift"`) is measured the same way as one
(`set_evidence`): *with the set*, `default` rows holding every rule of it; *without*, rows whose
`adaptations` switch off exactly that set (`-A,-B,...`). Its verdict is `provisional lift` where
dev with the set is above without but a set is not measured (under `MIN_PASSES` passes, or no
held-out rows) and no measured figure drops.

>>> evidence("look-first", rows=[]).verdict
'not measured'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from bench.ml_tasks.table import load_rows

MODEL = "llamacpp/local"
MIN_PASSES = 3
Verdict = Literal["lift", "provisional lift", "no lift", "not measured"]
NOT_MEASURED = "not measured on the task sets yet"


@dataclass(frozen=True)
class Side:
    """Runs solved of runs, on the tasks both sides ran, and the fewest runs of any task."""

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

    @property
    def measured(self) -> bool:
        return min(self.with_rule.fewest, self.without.fewest) >= MIN_PASSES

    def __str__(self) -> str:
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
        if self.verdict == "not measured":
            return f"no measured lift: {NOT_MEASURED}"
        return f"no measured lift: dev {self.dev}; held-out {self.held_out}"


def attributed(rows: Iterable[dict[str, Any]], model: str = MODEL) -> list[dict[str, Any]]:
    """Our runs of this checkout on `model`."""
    return [r for r in rows if r.get("harness") == "ours" and not r.get("checkout")
            and r.get("model") == model]  # fmt: skip


def sides(rule: str, rows: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], ...]:
    """The rows with `rule` and those without it (see the module's contract)."""
    named = [r for r in rows if isinstance(r.get("rules"), list)]
    with_rule = [r for r in named if rule in r["rules"] and r.get("adaptations") in ("default", f"+{rule}")]  # fmt: skip
    without = [r for r in named if rule not in r["rules"] and r.get("adaptations") in ("default", f"-{rule}")]  # fmt: skip
    older = [r for r in rows if not isinstance(r.get("rules"), list)]
    if any(r.get("adaptations") == f"-{rule}" for r in older):
        with_rule += [r for r in older if r.get("adaptations") == "default"]
        without += [r for r in older if r.get("adaptations") == f"-{rule}"]
    return with_rule, without


def set_sides(names: Iterable[str], rows: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], ...]:  # fmt: skip
    """The rows with every rule of `names` (`default`) and those switching off exactly them."""
    names = set(names)
    spec = {f"-{name}" for name in names}
    with_set = [r for r in rows if r.get("adaptations") == "default"
                and names <= set(r.get("rules", names))]  # fmt: skip
    without = [r for r in rows if set(str(r.get("adaptations", "")).split(",")) == spec
               and not names & set(r.get("rules", ()))]  # fmt: skip
    return with_set, without


def set_figures(with_rule: Sequence[dict[str, Any]], without: Sequence[dict[str, Any]],
                task_set: str) -> SetFigures:  # fmt: skip
    mine = [[r for r in side if r["set"] == task_set] for side in (with_rule, without)]
    common = set.intersection(*({r["task"] for r in side} for side in mine))
    if not common:
        return SetFigures()
    found = []
    for side in mine:
        runs = [r for r in side if r["task"] in common]
        fewest = min(sum(r["task"] == task for r in runs) for task in common)
        found.append(Side(sum(bool(r["solved"]) for r in runs), len(runs), fewest))
    return SetFigures(*found)


def evidence(rule: str, rows: Iterable[dict[str, Any]] | None = None) -> Evidence:
    """The rule's figures on both sets from `rows` (default: the committed rows)."""
    mine = attributed(load_rows() if rows is None else rows)
    with_rule, without = sides(rule, mine)
    return Evidence(rule, set_figures(with_rule, without, "dev"),
                    set_figures(with_rule, without, "held-out"))  # fmt: skip


def every_rule(names: Iterable[str], rows: Iterable[dict[str, Any]] | None = None) -> dict[str, Evidence]:  # fmt: skip
    """Each rule's evidence, the rows read once."""
    loaded = list(load_rows() if rows is None else rows)
    return {name: evidence(name, loaded) for name in names}


def set_evidence(names: Iterable[str], rows: Iterable[dict[str, Any]] | None = None) -> Evidence:
    """The figures of the rules `names` kept together, with the set and without it."""
    names = sorted(names)
    mine = attributed(load_rows() if rows is None else rows)
    with_set, without = set_sides(names, mine)
    return Evidence(f"{len(names)} rules", set_figures(with_set, without, "dev"),
                    set_figures(with_set, without, "held-out"))  # fmt: skip
