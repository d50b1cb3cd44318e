"""A rule's lift is read from the rows: with it against without it, on the tasks both ran."""

from __future__ import annotations

from typing import Any

from bench.ml_tasks import rule_lift
from bench.ml_tasks.rows import active_rules, switches

MODEL = rule_lift.MODEL


def row(spec: str, rules: list[str], task_set: str, task: str, solved: bool) -> dict[str, Any]:
    return {"harness": "ours", "set": task_set, "task": task, "repeat": 0, "model": MODEL,
            "adaptations": spec, "checkout": "", "rules": rules, "solved": solved}  # fmt: skip


def runs(spec: str, rules: list[str], task_set: str, solved: dict[str, list[bool]]) -> list[Any]:
    return [row(spec, rules, task_set, task, s) for task, outs in solved.items() for s in outs]


def test_a_rule_on_by_default_is_measured_against_its_ablation() -> None:
    rows = [
        *runs("default", ["x", "y"], "dev", {"a": [True, True, True], "b": [False, True, False]}),
        *runs("-x", ["y"], "dev", {"a": [True, False, False], "b": [False, False, False]}),
        *runs("default", ["x", "y"], "held-out", {"c": [False, True, False]}),
        *runs("-x", ["y"], "held-out", {"c": [False, True, False]}),
        *runs("-y", ["x"], "dev", {"a": [True] * 3}),  # only task a ran without y
    ]
    x = rule_lift.evidence("x", rows)
    assert (str(x.dev), str(x.held_out), x.verdict) == ("4/6 with, 1/6 without",
                                                        "1/3 with, 1/3 without", "lift")  # fmt: skip
    # `none` against `-y` is x alone too: that pair, on task a, adds to the figures.
    x = rule_lift.evidence("x", [*rows, *runs("none", [], "dev", {"a": [False] * 3, "b": [True]})])
    assert str(x.dev) == "7/9 with, 1/9 without"
    y = rule_lift.evidence("y", rows)  # compared on task a, the one both sides ran
    assert (str(y.dev), y.verdict) == ("3/3 with, 3/3 without", "no lift")
    assert y.off_reason == "no measured lift: dev 3/3 with, 3/3 without; held-out not measured"


def test_a_rule_off_by_default_is_measured_by_switching_it_on() -> None:
    rows = [
        *runs("+z", ["z"], "dev", {"a": [True] * 3}),
        *runs("default", [], "dev", {"a": [False] * 3}),
        *runs("+z", ["z"], "held-out", {"c": [False, False, False]}),
        *runs("default", [], "held-out", {"c": [True, False, False]}),
    ]
    found = rule_lift.evidence("z", rows)
    assert found.verdict == "no lift"  # a drop on held-out
    assert str(found.held_out) == "0/3 with, 1/3 without"


def test_too_few_passes_are_not_measured_and_older_rows_count_where_ablated() -> None:
    rows = [
        *runs("default", ["x"], "dev", {"a": [True, True]}),
        *runs("-x", [], "dev", {"a": [False, False]}),
    ]
    found = rule_lift.evidence("x", rows)
    assert found.verdict == "not measured" and str(found.dev).endswith("(under 3 passes)")
    older = [{k: v for k, v in r.items() if k != "rules"} for r in rows]
    assert str(rule_lift.evidence("x", older).dev) == "2/2 with, 0/2 without (under 3 passes)"
    assert str(rule_lift.evidence("y", older).dev) == "not measured"  # no -y row: unknown
    assert rule_lift.evidence("x", []).off_reason == (
        "no measured lift: not measured on the task sets yet"
    )


def test_a_runs_rules_follow_its_switches() -> None:
    default = active_rules("default", MODEL)
    assert "core-toolset" in default and "code-block" not in default
    assert "code-block" in active_rules("+code-block", MODEL)
    assert "core-toolset" not in active_rules("-core-toolset", MODEL)
    assert active_rules("none", MODEL) == []
    assert switches("+look-first,-core-toolset", MODEL) == {
        MODEL: {"look-first": True, "core-toolset": False}
    }


def variant(name: str, spec: str, task_set: str, solved: dict[str, list[bool]]) -> list[Any]:
    """Rows of a named variant taken before rows named their rules (no `rules`)."""
    found = runs(spec, [], task_set, solved)
    return [{k: v for k, v in r.items() if k != "rules"} | {"variant": name} for r in found]


def test_variants_differing_by_one_rule_are_paired_whatever_their_names() -> None:
    lean = "-a,-b"
    rows = [
        *runs("default", ["p", "q"], "dev", {"t": [True, False]}),  # named: a set of its own
        *variant("lean", lean, "dev", {"t": [True, True, True], "u": [True] * 3}),
        *variant("lean-minus-p", f"{lean},-p", "dev", {"t": [False] * 3, "u": [True] * 3}),
        *variant("lean-minus-q", f"-q,{lean}", "dev", {"t": [True] * 3}),  # items in any order
        *variant("lean", lean, "held-out", {"v": [False, True]}),
        *variant("lean-minus-p", f"{lean},-p", "held-out", {"v": [False]}),
        *variant("other", "-p,-q", "dev", {"t": [False] * 3}),  # one rule from no other
    ]
    p = rule_lift.evidence("p", rows)
    assert (str(p.dev), str(p.held_out), p.verdict) == (
        "6/6 with, 3/6 without",
        "0/1 with, 0/1 without (under 3 passes)",  # of v, lean's first run against its one
        "not measured",
    )
    q = rule_lift.evidence("q", rows)  # compared on task t, the one both sides ran
    assert (str(q.dev), q.verdict) == ("3/3 with, 3/3 without", "no lift")
    assert str(rule_lift.evidence("b", rows).dev) == "not measured"  # no lean-plus-b row
    both = rule_lift.set_evidence(
        ["p", "q"], [*rows, *variant("x", f"{lean},-p,-q", "dev", {"t": [False]})]
    )
    assert str(both.dev) == "1/1 with, 0/1 without (under 3 passes)"


def test_named_rule_sets_pair_by_the_rules_not_the_switches() -> None:
    rows = [
        *runs("-a", ["p", "q"], "dev", {"t": [True] * 3}),
        *runs("-a,-q", ["p"], "dev", {"t": [False] * 3}),
        *runs("+q", ["p", "q", "r"], "dev", {"t": [False] * 3}),  # r: another set altogether
    ]
    assert str(rule_lift.evidence("q", rows).dev) == "3/3 with, 0/3 without"
    assert str(rule_lift.evidence("a", rows).dev) == "not measured"


def test_a_pair_beside_a_rule_off_today_or_at_another_temperature_does_not_count() -> None:
    beside = ["code-block"]  # off by default today: what quoted-python does beside it
    assert "code-block" not in rule_lift.todays_defaults(MODEL)
    rows = [
        *runs("+code-block,+quoted-python", [*beside, "quoted-python"], "dev", {"t": [True] * 3}),
        *runs("+code-block", beside, "dev", {"t": [False] * 3}),
        *runs("+quoted-python", ["look-first", "quoted-python"], "dev", {"t": [False] * 3}),
        *runs("default", ["look-first"], "dev", {"t": [False] * 3}),
    ]
    assert str(rule_lift.evidence("quoted-python", rows).dev) == "0/3 with, 0/3 without"
    sampled = [r | {"temperature": 0.8} for r in runs("default", ["look-first"], "dev",
                                                        {"t": [True] * 3})]  # fmt: skip
    found = rule_lift.evidence("quoted-python", [*rows, *sampled])
    assert str(found.dev) == "0/3 with, 0/3 without"  # greedy runs against greedy runs only
    older = [{k: v for k, v in r.items() if k != "rules"} for r in rows[:6]]
    assert str(rule_lift.evidence("quoted-python", older).dev) == "not measured"


def test_a_task_where_the_rule_never_acted_is_not_its_lift() -> None:
    def fired(runs_: list[Any], counts: dict[str, int] | None) -> list[Any]:
        return [r | {"fired": counts} for r in runs_]

    rows = [
        *fired(runs("+z", ["z"], "dev", {"a": [True] * 3}), {"z": 1}),
        *fired(runs("+z", ["z"], "dev", {"b": [True] * 3}), {"look-first": 1}),  # z never acted
        *runs("default", [], "dev", {"a": [True] * 3, "b": [False] * 3}),
    ]
    found = rule_lift.evidence("z", rows)
    assert (str(found.dev), found.verdict) == ("3/3 with, 3/3 without", "no lift")
    # A run that recorded no counts may have seen the rule act: its task counts, as before.
    unknown = [r | {"fired": None} if r["task"] == "b" else r for r in rows]
    assert str(rule_lift.evidence("z", unknown).dev) == "6/6 with, 3/6 without"
    idle = [r for r in rows if r["task"] == "b"]
    assert rule_lift.evidence("z", idle).off_reason == (
        "no measured lift: dev never acted; held-out not measured"
    )


def test_a_rule_acting_on_what_a_run_does_counts_every_task() -> None:
    """A reply check acts on the runs that went wrong: leaving out the tasks where its runs
    went right would set its failures against every run without it. The same runs either way
    (5 of 6), the rule counted on a failed run only: the same figures."""

    def fired(task: str, outs: list[bool], rules: list[str]) -> list[Any]:
        said = lambda solved: {"whole-count": 1} if rules and not solved else {"look-first": 1}  # noqa: E731
        return [r | {"fired": said(r["solved"])}
                for r in runs("+whole-count" if rules else "default", rules, "dev", {task: outs})]  # fmt: skip

    rows = [
        *fired("a", [True] * 3, ["whole-count"]), *fired("b", [False, True, True], ["whole-count"]),
        *fired("a", [False, True, True], []), *fired("b", [True] * 3, []),
    ]  # fmt: skip
    found = rule_lift.evidence("whole-count", rows)
    assert (str(found.dev), found.verdict) == ("5/6 with, 5/6 without", "no lift")
    # The same runs, a rule the request sets acting (its lines from the first call): its task a
    # is left out, where it never acted.
    table = [r | {"rules": ["table-example"] if r["rules"] else [], "fired": {"table-example": 1}
                  if r["rules"] and r["task"] == "b" else {"look-first": 1}} for r in rows]  # fmt: skip
    assert str(rule_lift.evidence("table-example", table).dev) == "2/3 with, 3/3 without"


def test_a_task_counts_as_many_runs_a_side_as_the_side_with_fewer_ran() -> None:
    """Pooled, a side with more runs of a task weighs it more: 1/3 on task a against 0/3, and
    3/3 on task b against 6/6, summed, read 4/6 with against 6/9 without, a drop, though with
    the rule no task is behind. Each task counts as many runs a side as the side with fewer
    ran: the first by repeat, then by the rows' order, whatever they solved."""

    def passes(spec: str, rules: list[str], task: str, solved: dict[int, bool]) -> list[Any]:
        return [row(spec, rules, "dev", task, s) | {"repeat": n} for n, s in solved.items()]

    with_z = [
        *passes("+z", ["z"], "a", {0: True, 1: False, 2: False}),
        *passes("+z", ["z"], "b", {0: True, 1: True, 2: True}),
    ]
    a = passes("default", [], "a", {0: False, 1: False, 2: False})
    b = passes("default", [], "b", dict.fromkeys(range(6), True))
    found = rule_lift.evidence("z", [*with_z, *a, *b])
    assert (str(found.dev), found.dev.measured) == ("4/6 with, 3/6 without", True)
    assert found.dev.with_rule.fewest == found.dev.without.fewest == 3
    assert found.verdict == "not measured"  # no held-out rows
    # The first by repeat, not the first rows: repeats 3-5 failed and come first in the data.
    later = [r | {"solved": False} for r in b[3:]]
    assert str(rule_lift.evidence("z", [*with_z, *a, *later, *b[:3]]).dev) == (
        "4/6 with, 3/6 without"
    )
    # Of the same repeat, the rows earlier in the data, solved or not.
    solved, failed = ([r | {"repeat": 0, "solved": s} for r in b[:3]] for s in (True, False))
    assert str(rule_lift.evidence("z", [*with_z, *a, *solved, *failed]).dev) == (
        "4/6 with, 3/6 without"
    )
    assert str(rule_lift.evidence("z", [*with_z, *a, *failed, *solved]).dev) == (
        "4/6 with, 0/6 without"
    )
