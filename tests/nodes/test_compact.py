"""Where compaction cuts the history, and when it starts: the pure parts of nodes/compact.py."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import litellm
import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage

from models.messages import is_user_message, note
from nodes.compact import compact_threshold, plan_cut, rough_tokens


def ai(*call_ids: str, text: str = "") -> AIMessage:
    calls = [{"name": "bash", "args": {"command": f"run {i}"}, "id": i} for i in call_ids]
    return AIMessage(content=text, tool_calls=calls)


def result(call_id: str, size: int = 40) -> ToolMessage:
    return ToolMessage(content="x" * size, tool_call_id=call_id)


def cost(messages: list[AnyMessage]) -> int:
    return sum(rough_tokens(m) for m in messages)


def make_history(rng: random.Random, length: int = 30) -> list[AnyMessage]:
    """A first user message, then turns of multi-call AI messages, big outputs, text and notes."""
    messages: list[AnyMessage] = [HumanMessage(content="fine-tune a model on my dataset")]
    n = 0
    while len(messages) < length:
        kind = rng.random()
        if kind < 0.55:
            ids = [f"c{n + k}" for k in range(rng.randint(1, 3))]
            n += len(ids)
            messages.append(ai(*ids, text=rng.choice(["", "let me check"])))
            messages.extend(result(i, rng.choice([20, 400, 4_000, 20_000])) for i in ids)
        elif kind < 0.7:
            messages.append(AIMessage(content="here is what I found " * rng.randint(1, 50)))
        elif kind < 0.9:
            messages.append(HumanMessage(content=f"now do step {len(messages)}"))
        else:
            messages.append(note("doom_guard", "you are repeating yourself"))
    return messages


def call_owner(messages: list[AnyMessage]) -> dict[str, int]:
    """tool_call_id -> index of the AI message that made the call."""
    return {
        c["id"]: i for i, m in enumerate(messages) if isinstance(m, AIMessage) for c in m.tool_calls
    }


@pytest.mark.parametrize("seed", range(8))
def test_cut_never_separates_tool_calls_from_their_results(seed: int) -> None:
    messages = make_history(random.Random(seed))
    owner = call_owner(messages)
    first_user = next(i for i, m in enumerate(messages) if is_user_message(m))
    total = cost(messages)
    previous_tail = 0
    cuts = 0
    for budget in range(1, total + 50, 7):
        cut = plan_cut(messages, budget)
        if cut is None:
            continue
        cuts += 1
        assert cut.head == messages[: first_user + 1]
        assert cut.head + cut.middle + cut.tail == messages
        assert cut.middle, "a cut must leave something to summarise"
        assert cut.tail, "the most recent message is always kept"
        assert not isinstance(cut.tail[0], ToolMessage)
        tail_start = len(cut.head) + len(cut.middle)
        for j, m in enumerate(messages[tail_start:], start=tail_start):
            if isinstance(m, ToolMessage):
                assert owner[m.tool_call_id] >= tail_start, f"result {j} cut from its call"
        # The tail stays within budget, except for the one call+results block it had to keep whole.
        blocks = [j for j, m in enumerate(cut.tail) if not isinstance(m, ToolMessage)]
        rest = cut.tail[blocks[1] :] if len(blocks) > 1 else []
        assert cost(rest) <= budget
        # A bigger budget never keeps fewer recent messages.
        assert len(cut.tail) >= previous_tail
        previous_tail = len(cut.tail)
    assert cuts > 0


def test_head_is_everything_up_to_and_including_the_first_user_message() -> None:
    messages: list[AnyMessage] = [
        SystemMessage(content="system prompt"),
        HumanMessage(content="the task"),
        AIMessage(content="a" * 400),
        HumanMessage(content="more"),
        AIMessage(content="b" * 400),
        HumanMessage(content="latest"),
    ]
    cut = plan_cut(messages, tail_budget=rough_tokens(messages[-1]))
    assert cut is not None
    assert cut.head == messages[:2]
    assert cut.middle == messages[2:5]
    assert cut.tail == messages[5:]


def test_tail_takes_as_many_recent_messages_as_the_budget_allows() -> None:
    messages: list[AnyMessage] = [
        HumanMessage(content="task"),
        ai("c1"),
        result("c1", 4_000),
        AIMessage(content="looked at it"),
        HumanMessage(content="next step"),
        AIMessage(content="doing it"),
    ]
    budget = rough_tokens(messages[-1]) + rough_tokens(messages[-2])
    cut = plan_cut(messages, budget)
    assert cut is not None
    assert cut.tail == messages[4:]
    assert cut.middle == messages[1:4]
    # One token less and only the last message fits.
    smaller = plan_cut(messages, budget - 1)
    assert smaller is not None
    assert smaller.tail == messages[5:]


def test_tail_that_starts_on_a_result_moves_back_to_its_ai_message() -> None:
    messages: list[AnyMessage] = [
        HumanMessage(content="task"),
        AIMessage(content="first answer " * 50),
        HumanMessage(content="go on"),
        ai("c1", "c2"),
        result("c1", 8_000),
        result("c2", 40),
    ]
    cut = plan_cut(messages, tail_budget=rough_tokens(messages[-1]))
    assert cut is not None
    assert cut.tail == messages[3:]
    assert cut.middle == messages[1:3]


@pytest.mark.parametrize(
    ("messages", "budget"),
    [
        ([], 100),
        ([HumanMessage(content="task")], 100),
        ([HumanMessage(content="task"), AIMessage(content="answer")], 1),
        # The only older content is the call whose results form the tail.
        ([HumanMessage(content="task"), ai("c1"), result("c1", 10_000)], 1),
        ([HumanMessage(content="task"), ai("c1", "c2"), result("c1"), result("c2")], 1),
        # Everything after the head fits in the budget.
        ([HumanMessage(content="t"), AIMessage(content="a"), HumanMessage(content="b")], 10_000),
    ],
)
def test_nothing_to_summarise_returns_none(messages: list[AnyMessage], budget: int) -> None:
    assert plan_cut(messages, budget) is None


def test_summary_note_from_an_earlier_compaction_is_summarised_again() -> None:
    messages: list[AnyMessage] = [
        HumanMessage(content="task"),
        note("summary", "[Summary] earlier work " * 100),
        AIMessage(content="continuing " * 100),
        HumanMessage(content="latest"),
    ]
    cut = plan_cut(messages, tail_budget=rough_tokens(messages[-1]))
    assert cut is not None
    assert cut.head == messages[:1]
    assert messages[1] in cut.middle


# --- compact_threshold ----------------------------------------------------------------------------


def test_threshold_is_the_smaller_of_configured_and_90_percent_of_the_window() -> None:
    window = litellm.get_model_info("openai/gpt-4o")["max_input_tokens"]
    assert window, "litellm should know gpt-4o's context window"
    expected = min(170_000, int(window * 0.9))
    assert compact_threshold("openai/gpt-4o", 170_000) == expected
    assert expected < 170_000  # the model's window is what limits here


def test_threshold_keeps_a_smaller_configured_value() -> None:
    assert compact_threshold("openai/gpt-4o", 5_000) == 5_000


@pytest.mark.parametrize("configured", [1_000, 170_000, 1_000_000])
def test_unknown_model_uses_the_configured_threshold(configured: int) -> None:
    assert compact_threshold("openai/scripted-model", configured) == configured


async def test_one_huge_tool_output_on_a_small_window_is_shortened_not_fatal(
    llm: Any, workspace: Path
) -> None:
    """Issue 17: a small local model's window overflowed by one output; compaction shortens
    the oversized result (whole text spilled), remembers the stated window, and goes on."""
    from tests.fakes.agent import collect, fast_settings, open_session
    from tests.fakes.llm_server import Turn

    stated = (
        "This model's maximum context length is 3000 tokens. However, your messages resulted "
        "in 6100 tokens. Please reduce the length of the messages."
    )
    llm.add(
        Turn(tool_calls=[{"name": "bash", "id": "b1", "arguments": {"command": "seq 1 4000"}}]),
        Turn(status=400, error_message=stated, error_code="context_length_exceeded"),
        Turn(content="counted to 4000"),
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("count to 4000"))
        values = await session.values()
    compacted = [e.data for e in events if e.type == "compacted"]
    assert compacted and compacted[0]["note"] == "long tool results shortened"
    assert compacted[0]["new_tokens"] < compacted[0]["old_tokens"]
    assert events[-1].data["final_text"] == "counted to 4000"
    assert values["context_window"] == {"openai/scripted-model": 3000}  # for this model
    retried = llm.requests[-1]["messages"]
    result = next(m for m in retried if m.get("role") == "tool")["content"]
    assert "characters omitted" in result and "3999\n4000" in result
    spill = result.split(" are in ", 1)[1].split(" — ", 1)[0]
    assert Path(spill).read_text().count("\n") >= 3999  # the whole output is kept on disk


async def test_a_window_stated_for_one_model_does_not_shrink_the_next_ones(
    llm: Any, workspace: Path
) -> None:
    """An 8k local model overflowed; after /model the new model compacts at its own window."""
    from tests.fakes.agent import collect, fast_settings, open_session
    from tests.fakes.llm_server import Turn

    stated = "This model's maximum context length is 3000 tokens. However, you requested 6100."
    llm.add(
        Turn(tool_calls=[{"name": "bash", "id": "b1", "arguments": {"command": "seq 1 4000"}}]),
        Turn(status=400, error_message=stated, error_code="context_length_exceeded"),
        Turn(content="counted", usage={"prompt_tokens": 2_900, "completion_tokens": 10}),
        Turn(content="the big model answers without compacting"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("count to 4000"))
        await session.set_model("openai/big-model")
        events = await collect(session.send("and now?"))
        values = await session.values()
    assert not [e for e in events if e.type == "compacted"]  # 2,900 tokens is fine for it
    assert events[-1].data["final_text"] == "the big model answers without compacting"
    assert llm.requests[-1]["model"] == "big-model"
    assert values["context_window"] == {"openai/scripted-model": 3000}


def test_a_single_window_from_an_older_checkpoint_belongs_to_the_thread_model() -> None:
    from nodes.context_window import stated_windows

    assert stated_windows({"context_window": 8192, "model": "llamacpp/q"}, "x") == {
        "llamacpp/q": 8192
    }
    assert stated_windows({"context_window": 8192}, "default/m") == {"default/m": 8192}
    assert stated_windows({}, "default/m") == {}


async def test_shortening_a_capped_result_again_keeps_its_whole_spill_file(
    llm: Any, workspace: Path
) -> None:
    """A result already capped at tool_output_max_chars is cut again on a small window: the
    spill file still holds every character and the message still points at it."""
    from tests.fakes.agent import collect, fast_settings, open_session
    from tests.fakes.llm_server import Turn

    stated = "This model's maximum context length is 1000 tokens. However, you requested 3000."
    llm.add(
        Turn(tool_calls=[{"name": "bash", "id": "b1", "arguments": {"command": "seq 1 20000"}}]),
        Turn(status=400, error_message=stated, error_code="context_length_exceeded"),
        Turn(content="counted"),
    )
    settings = fast_settings(llm.url, tool_output_max_chars=20_000)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("count to 20000"))
    first = next(m for m in llm.requests[1]["messages"] if m.get("role") == "tool")["content"]
    pointer = first.split("characters the tool returned are in ", 1)[0].rsplit("all ", 1)[1]
    spill = Path(first.split(" are in ", 1)[1].split(" — ", 1)[0])
    assert events[-1].data["final_text"] == "counted"
    shown = next(m for m in llm.requests[-1]["messages"] if m.get("role") == "tool")["content"]
    assert len(shown) < len(first) // 4  # cut again for the small window...
    assert f"all {pointer}characters the tool returned are in {spill} " in shown
    whole = spill.read_text()  # ...and the file still holds all of it
    assert (
        f"{len(whole):,} " == pointer
        and whole.count("\n") >= 20_000
        and "\n19999\n20000\n" in whole
    )
    assert "1\n2\n3\n" in shown[:100] and "19999\n20000" in shown[-100:]


def test_a_spill_file_is_never_replaced_by_a_shorter_text(tmp_path: Path) -> None:
    from nodes.compact import shorten_results

    (tmp_path / "c1.txt").write_text("the whole earlier output " * 10_000)
    messages: list[AnyMessage] = [HumanMessage(content="task"), ai("c1"), result("c1", 9_000)]
    shortened = shorten_results(messages, 1_000, tmp_path)
    assert shortened is not None
    pointer = str(shortened[-1].content).split(" are in ", 1)[1].split(" — ", 1)[0]
    assert (tmp_path / "c1.txt").read_text() == "the whole earlier output " * 10_000
    assert Path(pointer).read_text() == "x" * 9_000


@pytest.mark.parametrize("model_id", ["openai/gpt-4o", "anthropic/claude-sonnet-4-5-20250929"])
def test_the_token_ceiling_is_never_below_the_count(model_id: str) -> None:
    """Skipping the tokenizer under the threshold is safe only if the ceiling really bounds it."""
    from models.usage import count_tokens
    from nodes.compact import token_ceiling

    texts = [
        "epoch 1 | loss 2.3041 | lr 2e-05\n" * 200,
        "训练损失下降到 0.41，评估准确率 87%。" * 100,
        "🚀✨ done " * 300,
        "def f(x):\n    return {k: v for k, v in x.items() if v}\n" * 100,
        "".join(chr(c) for c in range(0x20, 0x2FF)),
        "",
    ]
    for text in texts:
        messages = [
            AIMessage(
                content="", tool_calls=[{"name": "bash", "args": {"command": "cat log"}, "id": "c"}]
            ),
            ToolMessage(content=text, tool_call_id="c"),
        ]
        assert token_ceiling(messages) >= count_tokens(model_id, messages)
