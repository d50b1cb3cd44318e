"""A thread's rules are resolved once and kept, yet follow what feeds them at the next step:
the model `/model` switches to, a window the thread learns, a rule dropped after its hook
raised, settings made anew, the rules known."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.messages import AIMessage

from adaptations import registry
from adaptations.hooks import ModelStep
from adaptations.rule import Hook, every_model
from adaptations.shaping import CoreToolset
from configs.settings import Settings
from nodes.thread_rules import known_rules
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.families import CORE_TOOLS, MORE_TOOLS

SMALL = "llamacpp/local"


def offered(request: dict[str, Any]) -> set[str]:
    return {tool["function"]["name"] for tool in request.get("tools") or []}


def core(request: dict[str, Any]) -> bool:
    """The request offers the small-window core toolset, not every tool."""
    return offered(request) <= CORE_TOOLS | {MORE_TOOLS}


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


async def test_switching_the_model_mid_thread_changes_the_rules_at_the_next_step(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.stated["props"] = {"default_generation_settings": {"n_ctx": 8192}}
    llm.add(Turn(content="big"), Turn(content="small"), Turn(content="big again"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("hi"))
        await session.set_model(SMALL)
        await collect(session.send("hi"))
        await session.set_model("openai/scripted-model")
        await collect(session.send("hi"))
    assert [core(request) for request in llm.requests] == [False, True, False]
    assert llm.requests[1]["temperature"] == 0  # the local model's own, with its rules


async def test_a_learned_window_changes_the_rules_at_the_next_step(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    stated = "This model's maximum context length is 3000 tokens. However, you requested 6100."
    llm.add(
        Turn(tool_calls=[call("bash", "b1", command="seq 1 4000")]),
        Turn(status=400, error_message=stated, error_code="context_length_exceeded"),
        Turn(content="counted"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("count to 4000"))
        assert (await session.values())["context_window"] == {"openai/scripted-model": 3000}
    assert [core(request) for request in llm.requests] == [False, False, True]


class CoreThenRaises(CoreToolset):
    """Gives the core toolset; its `after_model` raises, so it is dropped after one step."""

    hook: ClassVar[Hook] = "model"

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        raise RuntimeError("the rule's own bug")


async def test_a_rule_dropped_after_its_hook_raised_is_gone_at_the_next_step(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = CoreThenRaises("core-then-raises", every_model, "raises after the model")
    monkeypatch.setattr(registry, "RULES", (*registry.RULES, rule))
    (workspace / "notes.md").write_text("hello\n")
    llm.add(Turn(tool_calls=[call("read", "r1", path="notes.md")]), Turn(content="Hello."))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("What do the notes say?"))
    assert events[-1].data["final_text"] == "Hello."
    assert [core(request) for request in llm.requests] == [True, False]  # its shape gone too


def test_settings_made_anew_or_changed_in_place_change_the_rules() -> None:
    state = {"model": SMALL}
    assert known_rules(state, SMALL, Settings()).active.shape.core_toolset
    switched_off = Settings(adaptations={SMALL: {"core-toolset": False}})  # a reload
    assert not known_rules(state, SMALL, switched_off).active.shape.core_toolset
    settings = Settings()
    assert known_rules(state, SMALL, settings).active.shape.core_toolset
    settings.adaptations[SMALL] = {"core-toolset": False}
    assert not known_rules(state, SMALL, settings).active.shape.core_toolset
    settings.small_window[SMALL] = False  # the config says its window is not small
    assert not known_rules(state, SMALL, settings).profile.small_window


def test_a_rule_registered_later_is_resolved_at_the_next_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = {"model": "openai/scripted-model"}
    before = known_rules(state, "openai/scripted-model", Settings())
    assert not before.active.shape.core_toolset
    rule = CoreToolset("core-everywhere", every_model, "the core toolset for every model")
    monkeypatch.setattr(registry, "RULES", (*registry.RULES, rule))
    after = known_rules(state, "openai/scripted-model", Settings())
    assert after.active.shape.core_toolset and rule in after.active.rules
