"""Bad input to the rules: an unknown rule name in the config, a rule switched on for a model it
cannot serve, a rule whose hook raises. Each is said naming the rule, the run goes on without
it, and `ml-intern models show` marks it (`described`, the command's data)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.messages import AIMessage

from adaptations import registry
from adaptations.hooks import ModelStep, Pending, Shape
from adaptations.registry import RULES
from adaptations.resolve import active, active_names, adapted, switch_problems
from adaptations.rule import FAILED_RULES, Handler, Hook, Rule, every_model
from cli.models import described
from configs.model_profile import ModelProfile, profile_of
from configs.settings import Settings
from models.messages import RuleKind
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.tool_rules import CallContext, Place, Walls

SMALL = "llamacpp/qwen2.5-coder-1.5b"
DEFAULT = frozenset(r.name for r in RULES if r.on_by_default)


def test_an_unknown_rule_name_is_said_changes_nothing_and_is_marked() -> None:
    switches = {SMALL: {"look_first": False, "no-such-rule": True}}
    profile = profile_of(SMALL, env={})
    assert active_names(profile, switches) == DEFAULT
    [said] = switch_problems(profile, switches)
    assert "unknown adaptation 'look_first', 'no-such-rule'" in said and "goes on" in said
    skipped = described(adapted(profile, Settings(adaptations=switches)), switches)["skipped"]
    assert [s["name"] for s in skipped] == ["look_first", "no-such-rule"]


def test_a_rule_switched_on_where_it_cannot_serve_stays_off_said_and_marked() -> None:
    switches = {"ollama/qwen": {"runaway-retry": True}, SMALL: {"read-fit": False}}
    ollama = adapted(profile_of("ollama/qwen", env={}), Settings(adaptations=switches))
    assert "runaway-retry" not in ollama.rules
    [said] = switch_problems(ollama, switches)
    assert "'runaway-retry' is switched on for ollama/qwen, which it cannot serve" in said
    assert "llama.cpp" in said
    shown = described(ollama, switches)
    assert [s["name"] for s in shown["skipped"]] == ["runaway-retry"]
    # on a model it serves, switching it on works
    served = {"llamacpp/big": {"runaway-retry": True}}
    big = adapted(profile_of("llamacpp/big", Settings(small_window={"llamacpp/big": False})))
    assert "runaway-retry" in active_names(big, served) and switch_problems(big, served) == []


class Broken(Rule):
    """Each of its hooks raises."""

    hook: ClassVar[Hook] = "reply"
    note: ClassVar[RuleKind | None] = RuleKind("broken")

    def shape(self, shape: Shape, profile: ModelProfile) -> Shape:
        raise RuntimeError("a broken shape")

    def before_model(self, step: ModelStep) -> None:
        raise RuntimeError("a broken before_model")

    async def wrap_model_call(
        self, step: ModelStep, kwargs: dict[str, Any], handler: Handler
    ) -> AIMessage:
        raise RuntimeError("a broken wrap")

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        raise RuntimeError("a broken after_model")

    def check_reply(self, step: ModelStep) -> str | None:
        raise RuntimeError("a broken check")

    def wrap_tool_call(self, pending: Pending) -> dict[str, Any]:
        raise RuntimeError("a broken wrap_tool_call")

    def policy(self, pending: Pending) -> dict[str, Any]:
        raise RuntimeError("a broken policy")

    def folder_read(self, call: CallContext, walls: Walls | None, place: Place) -> str | None:
        raise RuntimeError("a broken tool hook")


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> Iterator[Rule]:
    rule = Broken("broken-rule", every_model, "raises at each hook")
    monkeypatch.setattr(registry, "RULES", (*registry.RULES, rule))
    FAILED_RULES.pop(rule.name, None)
    yield rule
    FAILED_RULES.pop(rule.name, None)


async def test_a_rule_whose_hooks_raise_is_skipped_the_turn_ends_and_it_is_marked(
    broken: Rule, llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "notes.md").write_text("hello\n")
    read = {"name": "read", "id": "r1", "arguments": {"path": "notes.md"}}
    llm.add(Turn(tool_calls=[read]), Turn(content="Hello."))
    async with open_session(fast_settings(llm.url), workspace) as session:
        events = await collect(session.send("Say what notes.md says."))
    assert events[-1].type == "turn_complete" and events[-1].data["final_text"] == "Hello."
    results = [m for m in llm.requests[1]["messages"] if m.get("role") == "tool"]
    assert "hello" in str(results[0]["content"])  # the read ran, the rule's hook skipped
    assert "broken-rule" in FAILED_RULES
    assert "broken-rule" not in events[-1].data["rules_fired"]  # a hook that raised never acted
    profile = adapted(profile_of("openai/scripted-model", env={}))
    assert active(profile).shape == Shape()  # its shape skipped, the others' kept
    skipped = described(profile)["skipped"]
    assert {"name": "broken-rule", "because": next(iter(skipped))["because"]} in skipped
    because = next(s for s in skipped if s["name"] == "broken-rule")["because"]
    assert because.startswith("failed at ") and because.endswith("RuntimeError: a broken shape")
