"""The registry is the one list: each rule is one object whose class carries its hooks, no code
outside the registry names a rule, and a profile's active set follows its config."""

from __future__ import annotations

import re
from pathlib import Path

from adaptations.registry import BY_NAME, NAMES, RULES
from adaptations.resolve import active, active_names, adapted, unknown_rules_message
from adaptations.rule import Rule, every_model
from cli.models import added_tokens, template_of
from configs.model_profile import SMALL_REPLY_TOKENS, profile_of
from configs.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("cli", "serve", "graph", "store", "nodes", "adaptations", "models", "tools", "configs")
REGISTRY = ROOT / "adaptations" / "registry.py"  # the declarations, not the code asking
SMALL = "llamacpp/qwen2.5-coder-1.5b"
# The general rules on by default (the others never fired on dev: registry.py `NEVER_FIRED`).
EVERY_MODEL = frozenset(r.name for r in RULES if r.profiles is every_model and r.on_by_default)


def product_files() -> list[Path]:
    return [p for pkg in PRODUCT for p in (ROOT / pkg).rglob("*.py") if p != REGISTRY]


def test_each_rule_is_declared_once_with_a_reason() -> None:
    assert len(NAMES) == len(set(NAMES))
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name
        assert rule.why and "\n" not in rule.why and len(rule.why) <= 100, rule.name


def test_no_code_outside_the_registry_names_a_rule() -> None:
    """A rule is switched, added or removed in the registry alone: no call site asks for it by
    name (`profile.uses("look-first")`, `"core-toolset" in rules`), no side list repeats it."""
    quoted = re.compile("|".join(rf"[\"']{re.escape(name)}[\"']" for name in NAMES))
    named = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in product_files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if quoted.search(line)
    ]
    assert named == []


def test_each_rule_overrides_a_hook_of_its_own() -> None:
    hooks = [name for name in vars(Rule) if not name.startswith("_")]
    hooks += [name for name in vars(Rule.__mro__[1]) if not name.startswith("_")]
    for rule in RULES:
        own = {
            name
            for klass in type(rule).__mro__
            if klass not in (Rule, *Rule.__mro__)
            for name in vars(klass)
            if name in hooks or name == "sets"
        }
        assert own, rule.name


def test_each_text_a_rule_declares_is_a_template_the_product_holds() -> None:
    for rule in RULES:
        for ref in rule.texts:
            assert template_of(ref).strip(), (rule.name, ref)
    assert added_tokens(BY_NAME["look-first"].texts) > 20


def test_a_small_model_gets_the_small_rules_a_large_one_only_the_general_ones() -> None:
    small = adapted(profile_of(SMALL, env={}))
    assert small.rules == {r.name for r in RULES if r.on_by_default}
    assert {r.name for r in RULES if not r.on_by_default} >= {"unseen-numbers", "code-block"}
    large = adapted(profile_of("openai/gpt-4o", env={}))
    assert large.rules == EVERY_MODEL
    assert (active(large).shape.reply_limit, active(large).shape.read_tokens) == (None, None)
    shape = active(small).shape
    assert (shape.reply_limit, shape.read_tokens) == (SMALL_REPLY_TOKENS, 8_192 // 8)
    ollama = adapted(profile_of("ollama/qwen", env={}))
    assert "runaway-retry" not in ollama.rules and "look-first" in ollama.rules


def test_a_model_with_no_rules_works_as_a_large_model() -> None:
    bare = profile_of(SMALL, env={})  # small window, but no rules resolved
    assert bare.small_window and bare.rules == frozenset()
    shape = active(bare).shape
    assert (shape.reply_limit, shape.read_tokens, shape.reply_kwargs()) == (None, None, {})
    assert active(bare).rules == ()


def test_config_switches_a_rule_off_or_on_for_one_model() -> None:
    settings = Settings(
        adaptations={SMALL: {"look-first": False}, "openai/gpt-4o": {"read-fit": True}}
    )
    small = adapted(profile_of(SMALL, settings, env={}), settings)
    assert "look-first" not in small.rules and "read-fit" in small.rules
    other = adapted(profile_of("ollama/qwen", settings, env={}), settings)
    assert "look-first" in other.rules  # switched off for one model only
    large = adapted(profile_of("openai/gpt-4o", settings, env={}), settings)
    assert large.rules == EVERY_MODEL | {"read-fit"}


def test_an_unknown_rule_name_is_said_naming_the_known_ones() -> None:
    switches = {SMALL: {"look_first": False}}
    message = unknown_rules_message(switches) or ""
    assert "unknown adaptation 'look_first'" in message
    assert "look-first" in message and "text-elsewhere" in message
    # past the start, an unknown name changes nothing (a turn never ends over it)
    assert active_names(profile_of(SMALL, env={}), switches) == {
        r.name for r in RULES if r.on_by_default
    }
    assert unknown_rules_message({SMALL: {"look-first": False}}) is None
