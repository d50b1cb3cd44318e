"""Rules kept by evidence: a rule is on by default iff it has a measured reason (`Rule.kept`).

- `fit`: the recorded figures of bench/rule_fit.py show that without the rule the request or
  a result takes more than half the small window and with it not, and the code still gives
  those figures;
- `capability`: without it the model's calls (written as text) are not run;
- `lift`: bench/ml_tasks/rule_lift.py finds a lift in the committed rows.

Every other rule is off by default with the reason the rows give (`Evidence.off_reason`).
"""

from __future__ import annotations

import pytest

from adaptations.registry import RULES
from adaptations.resolve import active_names
from bench import rule_fit
from bench.ml_tasks import rule_lift
from configs.model_profile import profile_of

SMALL = "llamacpp/local"
LARGE = "anthropic/claude-sonnet-4-5"
# What the policy gives today, written out so a change to it is seen in review.
ON_BY_DEFAULT = {
    SMALL: {"core-toolset", "reply-limit", "text-tool-calls"},
    LARGE: set(),
}


def test_a_rule_is_on_by_default_iff_it_has_a_reason() -> None:
    for rule in RULES:
        assert (rule.kept is None) == bool(rule.off), rule.name
    for model, expected in ON_BY_DEFAULT.items():
        assert active_names(profile_of(model, env={}), {}) == expected, model


def test_each_reason_is_the_measured_one() -> None:
    recorded = rule_fit.recorded()
    window = recorded["window"]["tokens"]
    assert window == rule_fit.WINDOW
    lifts = rule_lift.every_rule([r.name for r in RULES])
    for rule in RULES:
        found = lifts[rule.name]
        if rule.name in rule_fit.FIT_RULES:  # measured: a fit iff its figures qualify
            assert rule_fit.qualifies(recorded[rule.name], window) == (rule.kept == "fit")
        if rule.kept == "fit":
            assert rule.name in rule_fit.FIT_RULES, rule.name
        elif rule.kept == "capability":
            assert rule.name in rule_fit.CAPABILITY_RULES
            assert recorded[rule.name]["with"] > 0 == recorded[rule.name]["without"]
        elif rule.kept == "lift":
            assert found.verdict == "lift", rule.name
        else:
            assert found.verdict != "lift", f"{rule.name} has a measured lift: keep it on"
            assert rule.off.endswith(found.off_reason), rule.name


def test_a_measured_fit_that_does_not_qualify_is_not_a_fit() -> None:
    assert rule_fit.qualifies({"with": 2_000, "without": 6_000}, 9_216)
    assert not rule_fit.qualifies({"with": 2_000, "without": 4_000}, 9_216)
    assert not rule_fit.qualifies({"with": 5_000, "without": 9_000}, 9_216)


@pytest.mark.parametrize("rule", [*rule_fit.FIT_RULES, *rule_fit.CAPABILITY_RULES])
def test_the_recorded_fit_figures_are_what_the_code_gives(rule: str) -> None:
    """Rerun `uv run python bench/rule_fit.py` when the prompt, the tools or a rule change."""
    recorded = rule_fit.recorded()[rule]
    assert {"with": rule_fit.measure(rule, True), "without": rule_fit.measure(rule, False)} == (
        recorded
    ), "the figures changed: rerun bench/rule_fit.py and commit bench/results/rule_fit.jsonl"
