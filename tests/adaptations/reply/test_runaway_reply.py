"""A small model on llama.cpp whose reply loops to its output limit is asked once more with the
repetition sampler on (docs/lab: train-classifier, f1-confusion, dataset-card)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import AIMessage

from adaptations.reply.runaway_reply import ANTI_REPEAT_BODY, ran_away
from configs.model_profile import SMALL_REPLY_TOKENS
from models.texts import CUT_REPLY_NOTE
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

SMALL = "llamacpp/qwen2.5-coder-1.5b"
LOOP = "train_df['label'] = train_df['label'].astype('category')\n" * 40
SCRIPT = "\n".join(f"step_{i} = compute(data, {i}, seed={i * 7})  # part {i}" for i in range(40))
CARD = "Write a dataset card for reviews.csv."


def cut(text: str) -> AIMessage:
    return AIMessage(content=text, response_metadata={"finish_reason": "length"})


def test_only_a_cut_reply_that_repeats_itself_ran_away() -> None:
    assert ran_away(cut(LOOP))
    assert not ran_away(cut(SCRIPT))  # long and cut, but no loop
    assert not ran_away(AIMessage(content=LOOP, response_metadata={"finish_reason": "stop"}))
    assert not ran_away(cut("ok " * 10))  # too short to tell
    looping_call = AIMessage(
        content="",
        tool_calls=[{"name": "bash", "args": {"command": LOOP}, "id": "1"}],
        response_metadata={"finish_reason": "length"},
    )
    assert ran_away(looping_call)


async def test_a_looping_reply_is_asked_again_with_the_repetition_sampler(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(content=LOOP, finish_reason="length"), Turn(content="The card is below."))
    async with open_session(fast_settings(None, model_name=SMALL), workspace, mode="headless") as s:
        events = await collect(s.send(CARD))
    first, again = llm.requests
    assert not any(key in first for key in ANTI_REPEAT_BODY)
    assert {key: again.get(key) for key in ANTI_REPEAT_BODY} == ANTI_REPEAT_BODY
    assert again["messages"] == first["messages"]  # the same request: no note, nothing dropped
    assert events[-1].data["final_text"] == "The card is below."
    usage = [e for e in events if e.type == "usage"]
    assert len(usage) == 2  # the loop's tokens are counted too


async def test_a_second_loop_in_the_turn_gets_the_cut_note_and_a_large_model_no_retry(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(*[Turn(content=LOOP, finish_reason="length")] * 3)
    cut_on = {SMALL: {"cut-reply": True}}  # off by default (never fired on dev): switched on
    settings = fast_settings(None, model_name=SMALL, adaptations=cut_on)
    async with open_session(settings, workspace, mode="headless") as s:
        await collect(s.send(CARD))
    assert len(llm.requests) == 3  # looped, asked again (looped), told it was cut (looped)
    told = CUT_REPLY_NOTE.format(limit=SMALL_REPLY_TOKENS)
    assert told in str(llm.requests[2]["messages"]) and "dry_multiplier" in llm.requests[1]
    assert "dry_multiplier" not in llm.requests[2]
    large = ScriptedLLMServer()
    with large:
        large.add(Turn(content=LOOP, finish_reason="length"))
        async with open_session(fast_settings(large.url), workspace, mode="headless") as s:
            await collect(s.send(CARD))
        assert len(large.requests) == 1 and "dry_multiplier" not in large.requests[0]


async def test_the_ask_again_counts_toward_the_turns_model_calls(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the turn's last allowed model call a loop is not asked again: the limit holds."""
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    run = {"name": "bash", "arguments": {"command": "true"}}
    llm.add(Turn(tool_calls=[run]), Turn(content=LOOP, finish_reason="length"))
    llm.add(Turn(content="The card is below."))
    capped = fast_settings(None, model_name=SMALL, max_iterations=2)
    async with open_session(capped, workspace, mode="headless") as s:
        await collect(s.send(CARD))
    assert len(llm.requests) == 2 and "dry_multiplier" not in llm.requests[1]
