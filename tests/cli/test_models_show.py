"""`ml-intern models show ID [--json]` through the real CLI: the resolved profile and the
active adaptations, the rules off by default listed as off with why, a rule switched off in
config moved to that list, an unknown rule name a clear error at start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adaptations.registry import NAMES, NEVER_FIRED, RULES
from adaptations.rule import SET_LIFT, every_model
from tests.cli.conftest import Cli

pytestmark = pytest.mark.cli_e2e


def user_config(cli: Cli, data: dict[str, object]) -> Path:
    path = cli.home.parent / "xdg-config" / "ml-intern" / "cli_agent_config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def test_models_show_lists_a_small_models_rules_on_and_off(cli: Cli) -> None:
    shown = cli.run("models", "show", "llamacpp/local", "--json")
    assert shown.returncode == 0, shown.stderr
    profile = json.loads(shown.stdout)
    assert (profile["route"], profile["small_window"], profile["text_tool_calls"]) == (
        "local",
        True,
        True,
    )
    rules = {r["name"]: r for r in profile["rules"]}
    # The rules off by default are listed as off, each with why; every other rule is on, each
    # with its reason.
    off_by_default = {rule.name: rule.off for rule in RULES if rule.off}
    assert off_by_default  # (the trigger corpus and the evidence switched some off)
    off = {r["name"]: r["off_because"] for r in profile["off"]}
    assert off == off_by_default and all(off.values())
    assert set(rules) == set(NAMES) - set(off_by_default)
    assert rules["core-toolset"]["hook"] == "prompt" and rules["core-toolset"]["why"]
    assert rules["core-toolset"]["on_because"] == "fit"
    assert rules["look-first"]["adds_tokens"] > 0
    # The set-lift rules are kept on the set's measured lift, and say so.
    assert rules["look-first"]["on_because"] == "lift"  # its own, measured on both sets
    assert rules["answer-now"]["on_because"] == "lift"
    assert rules["workspace-listing"]["on_because"] == f"set-lift, {SET_LIFT}"
    assert rules["kept-lines"]["on_because"].startswith("pair-lift with settings-made, ")

    switches = {"look-first": False, "code-block": True}
    user_config(cli, {"adaptations": {"llamacpp/local": switches}})
    switched = json.loads(cli.run("models", "show", "llamacpp/local", "--json").stdout)
    now_on = {r["name"]: r for r in switched["rules"]}
    assert "look-first" not in now_on and now_on["code-block"]["adds_tokens"] > 0
    assert now_on["code-block"]["on_because"] == "switched on in config"
    moved = {r["name"]: r["off_because"] for r in switched["off"]}
    expected = {k: v for k, v in off_by_default.items() if k != "code-block"}
    assert moved == expected | {"look-first": "switched off in config"}
    text = cli.run("models", "show", "llamacpp/local").stdout
    active, _, listed_off = text.partition("\nrules off ")
    assert "small window     yes" in active and "read-fit" in active and "[fit]" in active
    assert "[set-lift, measured as a set]" in active and "held-out 0 of 51" in active
    assert "look-first" not in active and "switched off in config" in listed_off
    for name, why in expected.items():
        assert name not in active and why in listed_off, name


def test_a_large_model_shows_only_the_general_rules(cli: Cli) -> None:
    shown = json.loads(cli.run("models", "show", "openai/gpt-4o", "--json").stdout)
    assert shown["small_window"] is False and shown["context_window"] == 128_000
    assert {r["profiles"] for r in shown["rules"]} == {"every-model"}
    assert {r["name"] for r in shown["rules"]} == {
        r.name for r in RULES if r.profiles is every_model and r.on_by_default
    }
    # The general rules never seen firing on dev are listed off, each saying so.
    off = {r["name"]: r["off_because"] for r in shown["off"]}
    for name in ("traceback-focus", "sed-unchanged", "text-elsewhere"):
        assert off[name] == NEVER_FIRED, name


def test_an_unknown_rule_name_is_said_and_the_run_goes_on_without_it(cli: Cli) -> None:
    user_config(cli, {"adaptations": {"openai/scripted-model": {"look_first": False}}})
    shown = cli.run("models", "show", "openai/scripted-model", "--json")
    assert shown.returncode == 0, shown.stderr
    assert "unknown adaptation 'look_first'" in shown.stderr and "look-first" in shown.stderr
    skipped = json.loads(shown.stdout)["skipped"]
    assert skipped == [{"name": "look_first", "because": "unknown rule"}]
    text = cli.run("models", "show", "openai/scripted-model").stdout
    assert "rules skipped" in text and "look_first  ! unknown rule" in text


def test_a_rule_switched_on_for_a_model_it_cannot_serve_is_marked_and_stays_off(
    cli: Cli,
) -> None:
    user_config(cli, {"adaptations": {"ollama/qwen": {"runaway-retry": True}}})
    shown = cli.run("models", "show", "ollama/qwen", "--json")
    assert shown.returncode == 0, shown.stderr
    assert "'runaway-retry' is switched on for ollama/qwen, which it cannot serve" in shown.stderr
    profile = json.loads(shown.stdout)
    assert "runaway-retry" not in {r["name"] for r in profile["rules"]}
    assert [r["name"] for r in profile["skipped"]] == ["runaway-retry"]
