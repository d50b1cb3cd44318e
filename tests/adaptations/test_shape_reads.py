"""A rule that sets a switch of the prompt's shape fires where a run reads the switch, with no
reader naming it (adaptations/hooks.py `RunShape`): a new rule setting a part is counted at
every model step that reads it, any part of `Shape` is counted when read, and reading the
shape to resolve it or to show it (`ml-intern models show`) counts nothing. The `read` budget
counts only where it cut a read."""

from __future__ import annotations

import copy
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest

from adaptations import registry
from adaptations.hooks import HOOK_COUNTS, RunShape, Shape
from adaptations.resolve import active, adapted
from adaptations.rule import Rule, every_model
from cli.models import described
from configs.model_profile import ModelProfile, profile_of
from nodes.thread_rules import known_rules
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.adaptation_guard import counting

SMALL = "llamacpp/qwen2.5-coder-1.5b"


class Limiter(Rule):
    """Sets the request's output-token limit; nothing else names it."""

    def shape(self, shape: Shape, profile: ModelProfile) -> Shape:
        return replace(shape, reply_limit=321)


async def fired_in_turn(session: Any, request: str) -> dict[str, int]:
    await collect(session.send(request))
    return dict((await session.values()).get("rules_fired") or {})


async def test_a_new_rule_setting_a_switch_fires_at_each_step_that_reads_it(
    monkeypatch: pytest.MonkeyPatch, llm: ScriptedLLMServer, workspace: Path
) -> None:
    limiter = Limiter("limiter", every_model, "caps each reply")
    monkeypatch.setattr(registry, "RULES", (*registry.RULES, limiter))
    read = {"name": "read", "id": "r1", "arguments": {"path": "notes.md"}}
    (workspace / "notes.md").write_text("lr=3e-4\n")
    llm.add(Turn(tool_calls=[read]), Turn(content="3e-4."))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        fired = await fired_in_turn(session, "Which lr do the notes use?")
    assert [request.get("max_tokens") for request in llm.requests] == [321, 321]
    assert fired["limiter"] == 2  # two model steps read it; the tool step did not


@pytest.mark.parametrize("part", [f.name for f in fields(Shape)])
def test_reading_any_part_fires_the_rules_that_set_it_unless_their_hook_counts(
    part: str,
) -> None:
    shape = RunShape(Shape(), {part: ("one", "two")})
    with counting() as step:
        getattr(shape, part)
    hook_counts = {f.name: f.metadata == HOOK_COUNTS for f in fields(Shape)}[part]
    assert step.names() == ([] if hook_counts else ["one", "two"])
    with counting() as step:  # compared, hashed, copied, shown: as the plain shape, unread
        assert shape == Shape() and Shape() == shape and hash(shape) == hash(Shape())
        assert copy.deepcopy(shape) == shape and repr(shape) == repr(Shape())
    assert step.names() == []


def test_resolving_the_shape_or_showing_it_fires_nothing_the_run_reading_it_does() -> None:
    profile = adapted(profile_of(SMALL, env={}))
    with counting() as step:
        shape = active(profile).shape
        seen = [getattr(shape, f.name) for f in fields(Shape)]
        shown = described(profile)
    assert step.names() == [] and seen[0] is True and "compact-prompt" in str(shown)
    run = known_rules({}, SMALL, fast_settings(None, model_name=SMALL))
    with counting() as step:
        assert run.active.shape.compact_prompt and run.active.shape == shape
    assert step.names() == ["compact-prompt"]


async def test_the_read_budget_fires_where_it_cut_a_read_not_where_a_read_fit(
    monkeypatch: pytest.MonkeyPatch, llm: ScriptedLLMServer, workspace: Path
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    (workspace / "short.txt").write_text("lr=3e-4\n")
    (workspace / "long.txt").write_text("".join(f"line {n} of many words\n" for n in range(4000)))
    for name in ("short.txt", "long.txt"):
        read = {"name": "read", "id": name, "arguments": {"path": name}}
        llm.add(Turn(tool_calls=[read]), Turn(content="Read."))
    settings = fast_settings(None, model_name=SMALL)
    async with open_session(settings, workspace, mode="headless") as session:
        assert "read-fit" not in await fired_in_turn(session, "Read short.txt.")
        assert (await fired_in_turn(session, "Read long.txt."))["read-fit"] == 1
    assert "too large to read whole" in str(llm.requests[-1]["messages"][-1]["content"])
