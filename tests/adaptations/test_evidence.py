"""Rules kept by evidence: a rule is on by default iff it has a reason (`Rule.kept`).

- `fit`: the recorded figures of bench/rule_fit.py show that with the rule the request or a
  result takes less of the small window than without it, and the code still gives them;
- `capability`: without it the model's calls (written as text) are not run;
- `lift`: bench/ml_tasks/rule_lift.py finds a lift in the committed rows;
- `pair-lift`: the rule and its `kept_with`, switched on together against today's defaults,
  show a lift as a pair in the committed rows, the figures its `measured` states;
- `set-lift`: the rules kept this way, switched off together against today's defaults, are
  the variant the committed rows measure, and the rows show the set's lift on both sets at
  three passes, as `SET_LIFT` says; none of them was seen never firing on dev pass 1
  (`NEVER_FIRED`, held to the committed fires).

Every other rule is off by default with the reason the rows give (`Evidence.off_reason`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adaptations.registry import (
    KEPT_SETTINGS,
    LEAN_SET,
    NEVER_FIRED,
    NO_LOSS_WITHOUT,
    RULES,
    SET_LIFTED,
    STEERING_SET,
)
from adaptations.resolve import active_names
from adaptations.rule import SET_LIFT, every_model
from bench import rule_fit
from bench.ml_tasks import rule_lift
from configs.model_profile import profile_of
from tests.fakes.tokenize_server import FakeTokenizer

SMALL = "llamacpp/local"
LARGE = "anthropic/claude-sonnet-4-5"
FIT = {"compact-prompt", "core-toolset", "reply-limit", "read-fit", "lean-request"}
STEERING = {rule.name for rule in RULES if rule.kept == "set-lift"}
# Of the steering set, on by its own measured lift since 2026-11-27 (dev and held-out, 3 passes).
LIFTED = {"look-first", "answer-now"}
# On by their own measured lift since 2026-11-29 and 2026-11-30 (the tasks each fires on, 3
# passes a set).
FIRES_AND_LIFTS = {"table-example", "pick-in-program"}
# The steering set's rules never seen firing on dev pass 1 (14 runs), off since 2026-11-27.
NEVER_SEEN_FIRING = {
    "cut-reply", "empty-reply", "blind-edit", "left-alone", "skill-close-match",
    "traceback-focus", "sed-unchanged", "text-elsewhere",
}  # fmt: skip
# Those switched off with them to no loss on dev pass 1 (the `lean` variant), off since then.
OFF_TO_NO_LOSS = {
    "asked-files", "asked-changes", "repeat-call", "skill-budget", "doom-answer",
    "written-notes", "failure-context",
}  # fmt: skip
# On by its own measured lift since 2026-12-05 (dev and held-out, 3 passes, switched on alone).
RESAMPLED = {"resample-repeat"}
# On together by the pair's measured lift since 2026-12-03 (the variant `kept-settings`).
PAIR = {"kept-lines", "settings-made"}
# What the policy gives today, written out so a change to it is seen in review.
ON_BY_DEFAULT = {
    SMALL: FIT | {"text-tool-calls"} | STEERING | LIFTED | FIRES_AND_LIFTS | PAIR | RESAMPLED,
    LARGE: {"one-line-python"},
}
FIRES = (
    Path(__file__).resolve().parents[2] / "bench/ml_tasks/results/2026-11-26-dev-ours-fires.json"
)


def test_a_rule_is_on_by_default_iff_it_has_a_reason() -> None:
    for rule in RULES:
        assert (rule.kept is None) == bool(rule.off), rule.name
    assert len(STEERING) == 5 and len(STEERING_SET) == 22
    assert {
        rule.name for rule in RULES if rule.kept == "lift"
    } == LIFTED | FIRES_AND_LIFTS | RESAMPLED
    assert set(SET_LIFTED) == LIFTED
    assert {rule.name for rule in RULES if rule.profiles is every_model} == {
        "traceback-focus", "sed-unchanged", "one-line-python", "text-elsewhere"
    }  # fmt: skip
    for model, expected in ON_BY_DEFAULT.items():
        assert active_names(profile_of(model, env={}), {}) == expected, model


def test_each_reason_is_the_measured_one() -> None:
    recorded = rule_fit.recorded()
    window = recorded["window"]["tokens"]
    assert window == rule_fit.WINDOW
    lifts = rule_lift.every_rule([r.name for r in RULES])
    for rule in RULES:
        found = lifts[rule.name]
        if rule.kept == "fit":  # measured (bench/rule_fit.py measures each): its figures qualify
            assert rule_fit.qualifies(recorded[rule.name], window), rule.name
        elif rule.kept == "capability":
            assert recorded[rule.name]["with"] > 0 == recorded[rule.name]["without"]
        elif rule.kept == "lift":
            assert found.verdict == "lift", rule.name
        elif rule.kept == "set-lift":
            assert found.verdict != "no lift", f"{rule.name} measured alone shows no lift"
        elif rule.kept == "pair-lift":
            pair = rule_lift.set_evidence([rule.name, *rule.kept_with])
            assert pair.verdict == "lift", rule.name
            assert {rule.name, *rule.kept_with} == PAIR and rule.measured == KEPT_SETTINGS
        else:
            assert found.verdict != "lift", f"{rule.name} has a measured lift: keep it on"
            assert rule.off.endswith(found.off_reason), rule.name


def test_a_steering_rule_never_seen_firing_on_dev_is_off_for_want_of_evidence() -> None:
    """The set's lift cannot be credited to a rule that never acted where it was measured:
    each rule off for it is one the committed fires saw in no run (it adds a text to be seen
    by), and each rule of the set still on was seen firing or cannot be seen at all."""
    fires = json.loads(FIRES.read_text())["rules"]
    never = {rule.name for rule in RULES if rule.off == NEVER_FIRED}
    assert never == NEVER_SEEN_FIRING
    for name in never:
        assert fires[name]["inferable"] and fires[name]["runs"] == 0, name
    for name in STEERING:
        assert not fires[name]["inferable"] or fires[name]["runs"] > 0, name
    for model in ON_BY_DEFAULT:  # off for every profile, and still switchable on
        profile = profile_of(model, env={})
        assert not never & active_names(profile, {})
        assert "sed-unchanged" in active_names(profile, {model: {"sed-unchanged": True}})


def test_the_rules_switched_off_with_the_never_fired_ones_cost_no_task() -> None:
    """The `lean` variant (the steering set's rules off by default, switched off together)
    solved what the whole set solved, on both sets: the sentence of `NO_LOSS_WITHOUT` is the
    rows' figures (pass 1 a side compared, the one pass the whole set ran; the lean variant's
    three passes read from its rows), and no rule of it is credited with the set's lift."""
    assert {r.name for r in RULES if r.off == NO_LOSS_WITHOUT} == OFF_TO_NO_LOSS
    assert set(LEAN_SET) == OFF_TO_NO_LOSS | NEVER_SEEN_FIRING
    found = rule_lift.set_evidence(LEAN_SET)
    assert (found.dev.with_rule.solved, found.dev.with_rule.ran) == (5, 14)
    assert (found.dev.without.solved, found.dev.without.ran) == (5, 14)  # its pass 1 of three
    rows = rule_lift.attributed(rule_lift.load_rows())
    lean, whole = ([r for r in rows if r.get("variant") == v] for v in ("lean", "steering-set"))
    solved = [
        {(r["set"], r["task"]) for r in side if r["solved"] and r["repeat"] == repeat}
        for side, repeat in ((whole, 0), (lean, 0), (lean, 1), (lean, 2))
    ]
    assert all(tasks == solved[0] for tasks in solved) and len(solved[0]) == 5  # the same five
    assert {name for name, _ in solved[0]} == {"dev"}  # none of held-out, in any pass
    assert (len([r for r in lean if r["set"] == "held-out"]), {r["repeat"] for r in lean}) == (
        51, {0, 1, 2}
    )  # fmt: skip
    assert (found.held_out.with_rule.solved, found.held_out.with_rule.ran) == (0, 17)
    assert (found.held_out.without.solved, found.held_out.without.ran) == (0, 17)  # its pass 1
    assert "same 5 of 14 tasks either way (without them the same 5 in each of three passes)" in (
        NO_LOSS_WITHOUT
    )  # fmt: skip
    assert "held-out 0 of 17 runs either way (without them 0 of 51 in three passes)" in (
        NO_LOSS_WITHOUT
    )  # fmt: skip
    assert found.set_verdict != "provisional lift"


def test_the_set_lift_rules_are_kept_on_the_sets_measured_lift() -> None:
    """Switched off together against today's defaults (the variant `lean-minus-five`), the
    `set-lift` rules cost dev its lift with no held-out drop, three passes a side; the figures
    are those `SET_LIFT` states (new rows fail this until the reason says what they show)."""
    found = rule_lift.set_evidence(STEERING)
    assert found.set_verdict == found.verdict == "lift"
    assert (found.dev.with_rule.solved, found.dev.with_rule.ran) == (15, 42)
    assert (found.dev.without.solved, found.dev.without.ran) == (3, 42)
    assert found.dev.measured and found.held_out.measured  # three passes of every task a side
    held_out = (found.held_out.with_rule.solved, found.held_out.with_rule.ran)
    assert held_out == (found.held_out.without.solved, found.held_out.without.ran) == (0, 51)
    assert "dev 15 of 42 runs with them, 3 of 42 without" in SET_LIFT
    assert "held-out 0 of 51 either way" in SET_LIFT
    assert all(r.on_because == f"set-lift, {SET_LIFT}" for r in RULES if r.name in STEERING)
    assert len(STEERING) == 5


def test_the_pair_is_kept_on_its_measured_lift() -> None:
    """`kept-lines` with `settings-made`, switched on together against today's defaults
    before them (the variant `kept-settings`), three passes a side: more dev runs solved,
    no held-out drop; the figures are those `KEPT_SETTINGS` states (new rows fail this until
    the reason says what they show)."""
    found = rule_lift.set_evidence(sorted(PAIR))
    assert found.verdict == "lift" and found.dev.measured and found.held_out.measured
    figures = [(side.solved, side.ran) for figures in (found.dev, found.held_out)
               for side in (figures.with_rule, figures.without)]  # fmt: skip
    assert figures == [(24, 45), (22, 45), (4, 27), (3, 27)]
    assert "dev 24 of 45 runs with them, 22 of 45 without" in KEPT_SETTINGS
    assert "held-out 4 of 27 with, 3 of 27 without" in KEPT_SETTINGS
    on = [r for r in RULES if r.name in PAIR]
    assert all(r.on_because.startswith("pair-lift with ") for r in on)
    assert all(KEPT_SETTINGS in r.on_because for r in on)


def test_the_steering_set_as_first_measured_stays_on_the_page() -> None:
    """The whole steering set (one pass a side, against the defaults of 2026-11-26) is still
    read from its rows: more dev with it than without, held-out level."""
    found = rule_lift.set_evidence(STEERING_SET)
    assert found.set_verdict == "provisional lift"
    assert (found.dev.with_rule.solved, found.dev.without.solved, found.dev.with_rule.ran) == (
        5, 1, 14
    )  # fmt: skip
    assert found.dev.with_rule.fewest == found.dev.without.fewest == 1  # one pass


def test_a_set_is_counted_on_the_tasks_both_sides_ran() -> None:
    spec = "-a,-b"
    runs = [("x", True, "default"), ("y", True, "default"), ("x", False, spec), ("x", True, "-a")]
    rows = [
        {"harness": "ours", "model": rule_lift.MODEL, "set": "dev", "task": t, "solved": s}
        | {"adaptations": a}
        for t, s, a in runs
    ]
    found = rule_lift.set_evidence(["a", "b"], rows)
    assert (str(found.dev), found.set_verdict) == (
        "1/1 with, 0/1 without (under 3 passes)",
        "provisional lift",
    )
    assert rule_lift.set_evidence(["a", "b"], rows[:2]).set_verdict == "not measured"


def test_a_measured_fit_saves_room_in_the_window() -> None:
    assert rule_fit.qualifies({"with": 2_000, "without": 6_000}, 9_216)
    assert not rule_fit.qualifies({"with": 4_000, "without": 4_000}, 9_216)
    assert not rule_fit.qualifies({"with": 9_500, "without": 12_000}, 9_216)


@pytest.mark.timeout(600)  # two headless turns through the graph, on a loaded machine
@pytest.mark.parametrize("rule", [*rule_fit.FIT_RULES, *rule_fit.CAPABILITY_RULES])
def test_the_code_still_gives_the_recorded_fit(rule: str) -> None:
    """The recorded figures were counted by the model's own tokenizer; here a local one
    (tests/fakes/tokenize_server.py) counts, so the verdict is compared, not the figures.
    Rerun `bench/rule_fit.py --tokenizer URL` when the prompt, the tools or a rule change."""
    recorded = rule_fit.recorded()
    assert recorded["tokenizer"] == {"llamacpp": 1}  # the model's count, not litellm's
    with FakeTokenizer() as tokenizer:
        measured = {side: rule_fit.measure(rule, side == "with", tokenizer.url)
                    for side in ("with", "without")}  # fmt: skip
    if rule in rule_fit.CAPABILITY_RULES:
        assert measured == recorded[rule]
    else:
        assert rule_fit.qualifies(measured) == rule_fit.qualifies(recorded[rule]), (
            "the verdict changed: rerun bench/rule_fit.py and commit bench/results/rule_fit.jsonl"
        )


def test_lean_request_is_on_for_its_fit_with_no_drop_on_either_set() -> None:
    """`lean-request` is kept for a fit, not a lift: its variant's runs (the defaults of then
    with it switched on) against the defaults of then, three passes a side, solve as many runs
    on dev and on held-out, with under 70% of the tokens a run."""
    rows = rule_lift.attributed(rule_lift.load_rows())
    with_it, without = (
        [r for r in rows if r.get("variant") == v] for v in ("lean-request", "lean")
    )
    assert all("lean-request" in r["rules"] for r in with_it)
    assert all("+lean-request" not in r["adaptations"] for r in without)
    for name in ("dev", "held-out"):
        found = rule_lift.set_figures([(with_it, without)], name)
        assert found.measured, name
        assert found.with_rule.solved >= found.without.solved, name
        assert found.with_rule.ran == found.without.ran, name
        tokens = [
            sorted(r["input_tokens"] + r["output_tokens"] for r in side if r["set"] == name)
            for side in (with_it, without)
        ]
        assert tokens[0][len(tokens[0]) // 2] < tokens[1][len(tokens[1]) // 2] * 0.7, name
    assert next(r for r in RULES if r.name == "lean-request").kept == "fit"
