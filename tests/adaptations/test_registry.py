"""The registry is the one list: every rule the code asks about is declared, every declared
rule is asked about somewhere, and a profile's active set follows its config."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adaptations.calls.held import ANSWERING_RULES
from adaptations.registry import BY_NAME, NAMES, RULES
from adaptations.reply.checks import REPLY_RULES
from adaptations.resolve import (
    UnknownRule,
    active_names,
    adapted,
    check_switches,
    unknown_rules_message,
)
from adaptations.rule import every_model
from cli.models import added_tokens, template_of
from configs.model_profile import profile_of
from configs.settings import Settings
from tools.call_context import EVERY_MODEL_RULES
from tools.local.bash import BASH_RULES

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("cli", "serve", "graph", "store", "nodes", "adaptations", "models", "tools", "configs")
REGISTRY = ROOT / "adaptations" / "registry.py"  # the declarations, not the code asking
ASKED = re.compile(
    r"""(?:uses|adapt|applied|held_by)\(\s*["']([a-z-]+)["']|["']([a-z]+(?:-[a-z]+)+)["'] in rules"""
)
SMALL = "llamacpp/qwen2.5-coder-1.5b"


def product_text() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for pkg in PRODUCT
        for p in (ROOT / pkg).rglob("*.py")
        if p != REGISTRY
    )


def test_each_rule_is_declared_once_with_a_reason() -> None:
    assert len(NAMES) == len(set(NAMES))
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name
        assert rule.why and "\n" not in rule.why and len(rule.why) <= 100, rule.name


def test_every_rule_the_code_asks_about_is_declared_and_every_declared_one_is_asked() -> None:
    text = product_text()
    asked = {a or b for a, b in ASKED.findall(text)}
    asked |= REPLY_RULES | ANSWERING_RULES | BASH_RULES
    assert asked - set(NAMES) == set(), "asked about but not declared"
    quoted = {name for name in NAMES if f'"{name}"' in text}
    assert set(NAMES) - quoted == set(), "declared but never asked about"


def test_each_text_a_rule_declares_is_a_template_the_product_holds() -> None:
    for rule in RULES:
        for ref in rule.texts:
            assert template_of(ref).strip(), (rule.name, ref)
    assert added_tokens(BY_NAME["look-first"].texts) > 20


def test_the_rules_a_call_outside_a_run_applies_are_the_every_model_ones() -> None:
    assert {r.name for r in RULES if r.profiles is every_model} == EVERY_MODEL_RULES


def test_a_small_model_gets_the_small_rules_a_large_one_only_the_general_ones() -> None:
    small = adapted(profile_of(SMALL, env={}))
    assert small.rules == {r.name for r in RULES if r.on_by_default}
    assert {r.name for r in RULES if not r.on_by_default} >= {"unseen-numbers", "table-example"}
    large = adapted(profile_of("openai/gpt-4o", env={}))
    assert large.rules == EVERY_MODEL_RULES
    assert (large.reply_limit, large.read_tokens) == (None, None)
    ollama = adapted(profile_of("ollama/qwen", env={}))
    assert "runaway-retry" not in ollama.rules and "look-first" in ollama.rules


def test_a_model_with_no_rules_works_as_a_large_model() -> None:
    bare = profile_of(SMALL, env={})  # small window, but no rules resolved
    assert bare.small_window and bare.rules == frozenset()
    assert (bare.reply_limit, bare.read_tokens, bare.reply_kwargs()) == (None, None, {})


def test_config_switches_a_rule_off_or_on_for_one_model() -> None:
    settings = Settings(
        adaptations={SMALL: {"look-first": False}, "openai/gpt-4o": {"read-fit": True}}
    )
    small = adapted(profile_of(SMALL, settings, env={}), settings)
    assert "look-first" not in small.rules and "read-fit" in small.rules
    other = adapted(profile_of("ollama/qwen", settings, env={}), settings)
    assert "look-first" in other.rules  # switched off for one model only
    large = adapted(profile_of("openai/gpt-4o", settings, env={}), settings)
    assert large.rules == EVERY_MODEL_RULES | {"read-fit"}


def test_an_unknown_rule_name_is_a_clear_error_naming_the_known_ones() -> None:
    switches = {SMALL: {"look_first": False}}
    message = unknown_rules_message(switches) or ""
    assert "'look_first'" in message and "look-first" in message and "text-elsewhere" in message
    with pytest.raises(UnknownRule, match="unknown adaptation 'look_first'"):
        check_switches(switches)
    # past the start, an unknown name changes nothing (a turn never ends over it)
    assert active_names(profile_of(SMALL, env={}), switches) == {
        r.name for r in RULES if r.on_by_default
    }
    assert unknown_rules_message({SMALL: {"look-first": False}}) is None
