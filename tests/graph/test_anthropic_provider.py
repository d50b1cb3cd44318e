"""The agent over the Anthropic wire format: litellm's Anthropic handler to the fake, real graph.

Every test runs the real Session with an ``anthropic/...`` model id and the scripted
Anthropic server as its api base, streaming and not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.anthropic_request import signature
from tests.fakes.anthropic_server import AnthropicTurn, ScriptedAnthropicServer, Turn, tool_results
from tests.fakes.llm_server import ScriptedLLMServer

MODEL = "anthropic/claude-sonnet-4-5-20250929"
KEY = "sk-ant-test-0123456789abcdefghij"


@pytest.fixture(params=[False, True], ids=["plain", "streaming"])
def stream(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def claude(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedAnthropicServer]:
    """The Anthropic fake; ANTHROPIC_API_KEY holds the key it accepts."""
    for name in ("ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    with ScriptedAnthropicServer(api_key=KEY) as server:
        yield server


def settings(server: ScriptedAnthropicServer, stream: bool, **overrides: Any) -> Any:
    return fast_settings(server.url, model_name=MODEL, stream=stream, **overrides)


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


def fatal_errors(events: list[Any]) -> list[str]:
    return [e.data["message"] for e in events if e.type == "error" and e.data.get("fatal")]


def retry_notes(events: list[Any]) -> list[str]:
    return [e.data["message"] for e in events if e.type == "error" and e.data.get("retrying")]


async def test_a_tool_call_turn_sends_the_result_back_and_answers(
    claude: ScriptedAnthropicServer, workspace: Path, stream: bool
) -> None:
    (workspace / "notes.txt").write_text("the answer is 42\n")
    claude.add(
        Turn(content="Reading it.", tool_calls=[call("read", "toolu_read_1", path="notes.txt")]),
        Turn(content="The notes say the answer is 42."),
    )
    async with open_session(settings(claude, stream), workspace, mode="headless") as session:
        events = await collect(session.send("What do my notes say?"))
    done = events[-1]
    assert done.type == "turn_complete" and done.data["stop_reason"] == "done"
    assert done.data["final_text"] == "The notes say the answer is 42."
    assert [e.data["name"] for e in events if e.type == "tool_call"] == ["read"]
    first, second = claude.requests
    assert "the answer is 42" in tool_results(second)["toolu_read_1"]
    assistant = next(m for m in second["messages"] if m["role"] == "assistant")
    assert assistant["content"] == [
        {"type": "text", "text": "Reading it."},
        {"type": "tool_use", "id": "toolu_read_1", "name": "read", "input": {"path": "notes.txt"}},
    ]
    assert first["model"] == MODEL.split("/", 1)[1] and first.get("stream", False) is stream
    assert isinstance(first["system"], list) and first["system"][0]["type"] == "text"
    assert {"read", "bash", "write"} <= {t["name"] for t in first["tools"]}
    assert all("input_schema" in t for t in first["tools"])
    assert claude.request_headers[0]["x-api-key"] == KEY
    assert claude.request_headers[0]["anthropic-version"]


async def test_usage_is_the_sum_of_what_the_provider_reported(
    claude: ScriptedAnthropicServer, workspace: Path, stream: bool
) -> None:
    claude.add(
        Turn(tool_calls=[call("glob", "toolu_g", pattern="*")]), Turn(content="Nothing here.")
    )
    async with open_session(settings(claude, stream), workspace, mode="headless") as session:
        events = await collect(session.send("list files"))
    reported = [u for u in claude.usages if u is not None]
    assert len(reported) == 2
    # litellm counts cache reads and writes into the prompt, as Anthropic bills them.
    sent_in = sum(u["input_tokens"] + u["cache_read_input_tokens"] for u in reported)
    sent_in += sum(u["cache_creation_input_tokens"] for u in reported)
    usage = events[-1].data["usage"]
    assert usage["input_tokens"] == sent_in > 0
    assert usage["output_tokens"] == sum(u["output_tokens"] for u in reported)
    assert usage["cost_usd"] > 0  # litellm prices claude-sonnet-4-5
    per_call = [e.data for e in events if e.type == "usage"]
    assert [u["input_tokens"] for u in per_call] == [
        u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"]
        for u in reported
    ]


async def test_the_base_url_can_come_from_anthropic_api_base(
    claude: ScriptedAnthropicServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_BASE", claude.url)
    claude.add(Turn(content="hello from the env base"))
    async with open_session(
        fast_settings(None, model_name=MODEL), workspace, mode="headless"
    ) as session:
        events = await collect(session.send("hi"))
    assert events[-1].data["final_text"] == "hello from the env base"
    assert len(claude.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        Turn(status=429, headers={"retry-after": "0"}),
        Turn(status=529),
        Turn(status=500),
    ],
    ids=["rate-limited", "overloaded", "server-error"],
)
async def test_transient_errors_are_retried_then_succeed(
    claude: ScriptedAnthropicServer, workspace: Path, stream: bool, failure: Turn
) -> None:
    claude.add(failure, Turn(content="hello after the hiccup"))
    async with open_session(settings(claude, stream), workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
    assert len(claude.requests) == 2
    assert len(retry_notes(events)) == 1 and "attempt 2 of 5" in retry_notes(events)[0]
    assert events[-1].data["stop_reason"] == "done"
    assert events[-1].data["final_text"] == "hello after the hiccup"


async def test_retry_after_from_anthropic_is_honoured(
    claude: ScriptedAnthropicServer, workspace: Path
) -> None:
    claude.add(Turn(status=429, headers={"retry-after": "0"}), Turn(content="ok"))
    slow = settings(claude, False, retry_base_delay_s=0.3, retry_max_delay_s=1.0)
    async with open_session(slow, workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
    assert "Retrying in 0.0s" in retry_notes(events)[0]


async def test_an_overloaded_error_mid_stream_is_retried(
    claude: ScriptedAnthropicServer, workspace: Path
) -> None:
    claude.add(
        AnthropicTurn(content="never shown", stream_error="overloaded_error"),
        Turn(content="second try worked"),
    )
    async with open_session(settings(claude, True), workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
        messages = await session.messages()
    assert len(claude.requests) == 2 and retry_notes(events)
    assert events[-1].data["final_text"] == "second try worked"
    assert [m.type for m in messages] == ["human", "ai"]


async def test_a_wrong_key_ends_the_run_naming_anthropic_api_key(
    claude: ScriptedAnthropicServer,
    workspace: Path,
    stream: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong-key-0000000000000000")
    claude.add(Turn(content="never sent"))
    async with open_session(settings(claude, stream), workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
        messages = await session.messages()
    assert len(claude.requests) == 1  # an auth failure is not retried
    [message] = fatal_errors(events)
    assert "ANTHROPIC_API_KEY" in message and "invalid x-api-key" in message
    assert events[-1].type == "turn_complete" and events[-1].data["stop_reason"] == "error"
    assert [m.type for m in messages] == ["human"]


async def test_a_missing_key_ends_the_run_before_any_request(
    claude: ScriptedAnthropicServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    async with open_session(settings(claude, False), workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
    [message] = fatal_errors(events)
    assert "ANTHROPIC_API_KEY" in message
    assert claude.requests == []


def big_output_turns(count: int, last: int = 4000) -> list[Turn]:
    """Calls whose outputs (~4.5k tokens each) outweigh the tool schemas and system prompt."""
    return [
        Turn(tool_calls=[call("bash", f"b{i}", command=f"seq {i} {last}")]) for i in range(count)
    ]


async def test_prompt_too_long_compacts_and_retries(
    claude: ScriptedAnthropicServer, workspace: Path, stream: bool
) -> None:
    claude.add(
        *big_output_turns(4),
        Turn(status=400, error_code="context_length_exceeded"),
        Turn(content="- counted with seq four times"),
        Turn(content="done after compacting"),
    )
    async with open_session(settings(claude, stream), workspace, mode="headless") as session:
        events = await collect(session.send("count"))
    assert [e.type for e in events if e.type == "compacted"] == ["compacted"]
    assert events[-1].data["stop_reason"] == "done"
    assert events[-1].data["final_text"] == "done after compacting"
    too_long, summary_call, retried = claude.requests[4:]
    assert "tools" not in summary_call
    assert len(retried["messages"]) < len(too_long["messages"])


async def test_prompt_too_long_after_a_short_history_still_compacts(
    claude: ScriptedAnthropicServer, workspace: Path
) -> None:
    claude.add(
        *big_output_turns(3, last=1200),
        Turn(status=400, error_code="context_length_exceeded"),
        Turn(content="- counted with seq three times"),
        Turn(content="done after compacting"),
    )
    async with open_session(settings(claude, False), workspace, mode="headless") as session:
        events = await collect(session.send("count"))
    assert [e.type for e in events if e.type == "compacted"] == ["compacted"]
    assert events[-1].data["final_text"] == "done after compacting"


async def test_a_prompt_that_never_fits_ends_with_a_clear_message(
    claude: ScriptedAnthropicServer, workspace: Path, stream: bool
) -> None:
    claude.add(*big_output_turns(3), Turn(content="counted"))
    async with open_session(settings(claude, stream), workspace, mode="headless") as session:
        await collect(session.send("count"))
        claude.context_window = 50  # from now on every prompt is too long, summaries included
        events = await collect(session.send("and again"))
        messages = await session.messages()
    [message] = fatal_errors(events)
    assert "context window" in message and "prompt is too long" in message
    assert events[-1].data["stop_reason"] == "error"
    assert messages[-1].type == "human"  # the thread is intact, ready for /new or /undo


async def test_requests_carry_cache_breakpoints_and_hit_the_cache(
    claude: ScriptedAnthropicServer, workspace: Path
) -> None:
    claude.add(Turn(tool_calls=[call("glob", "toolu_g", pattern="*")]), Turn(content="done"))
    async with open_session(settings(claude, False), workspace, mode="headless") as session:
        await collect(session.send("list files"))
    first, second = claude.usages
    assert first is not None and second is not None
    assert first["cache_creation_input_tokens"] > 0
    assert second["cache_read_input_tokens"] >= first["cache_creation_input_tokens"]


async def test_usage_records_cache_reads_and_writes(
    claude: ScriptedAnthropicServer, workspace: Path, stream: bool
) -> None:
    reported = {
        "input_tokens": 40,
        "cache_creation_input_tokens": 500,
        "cache_read_input_tokens": 3000,
        "output_tokens": 7,
    }
    claude.add(Turn(content="cached hello", usage=reported))
    async with open_session(settings(claude, stream), workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
        usage = (await session.values())["usage"]
    assert events[-1].data["usage"]["input_tokens"] == 3540
    assert usage["cache_read_tokens"] == 3000 and usage["cache_write_tokens"] == 500
    assert events[-1].data["usage"]["cache_read_tokens"] == 3000


async def test_cost_prices_cache_reads_and_writes(
    claude: ScriptedAnthropicServer, workspace: Path
) -> None:
    import litellm

    claude.add(
        Turn(
            content="cached hello",
            usage={
                "input_tokens": 40,
                "cache_creation_input_tokens": 500,
                "cache_read_input_tokens": 3000,
                "output_tokens": 7,
            },
        )
    )
    async with open_session(settings(claude, False), workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
    prompt_cost, completion_cost = litellm.cost_per_token(
        model=MODEL,
        prompt_tokens=3540,
        completion_tokens=7,
        cache_read_input_tokens=3000,
        cache_creation_input_tokens=500,
    )
    assert events[-1].data["usage"]["cost_usd"] == pytest.approx(prompt_cost + completion_cost)


async def test_a_long_turn_is_served_mostly_from_the_prompt_cache(
    claude: ScriptedAnthropicServer, workspace: Path, stream: bool
) -> None:
    """Issue 17's target: on a turn of 10+ tool steps, at least 80% of input tokens come from
    the (simulated, prefix-matching) cache, and the thread's usage and json result say so."""
    (workspace / "notes.txt").write_text("lr=3e-4\n" * 200)
    steps = [
        Turn(tool_calls=[call("read", f"r{i}", path="notes.txt", offset=i + 1)]) for i in range(12)
    ]
    claude.add(*steps, Turn(content="read it all"))
    async with open_session(settings(claude, stream), workspace, mode="headless") as session:
        events = await collect(session.send("read the notes twelve times"))
        usage = (await session.values())["usage"]
    assert usage["calls"] == 13
    share = usage["cache_read_tokens"] / usage["input_tokens"]
    assert share >= 0.8, f"only {share:.0%} of input tokens came from the cache"
    assert events[-1].data["usage"]["cache_read_tokens"] == usage["cache_read_tokens"]


# --- extended thinking -----------------------------------------------------------------


def thinking_of(request: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The thinking blocks of each assistant turn a request sent back."""
    return [
        [b for b in m["content"] if b.get("type") == "thinking"]
        for m in request["messages"]
        if m["role"] == "assistant" and isinstance(m["content"], list)
    ]


def signed(text: str) -> dict[str, str]:
    return {"type": "thinking", "thinking": text, "signature": signature(text)}


async def test_thinking_goes_back_with_its_signature_across_tool_calls(
    claude: ScriptedAnthropicServer, workspace: Path, stream: bool
) -> None:
    """With an effort set, Anthropic refuses a tool loop whose last turn lost its thinking."""
    (workspace / "notes.txt").write_text("the answer is 42\n")
    claude.add(
        Turn(thinking="Read the notes first.", tool_calls=[call("read", "r1", path="notes.txt")]),
        Turn(
            thinking="Check the size too.",
            tool_calls=[call("bash", "b1", command="wc -l notes.txt")],
        ),
        Turn(thinking="It says 42.", content="The notes say the answer is 42."),
    )
    high = settings(claude, stream, reasoning_effort="high")
    async with open_session(high, workspace, mode="headless") as session:
        events = await collect(session.send("What do my notes say?"))
        messages = await session.messages()
    assert events[-1].data["stop_reason"] == "done", fatal_errors(events)
    assert events[-1].data["final_text"] == "The notes say the answer is 42."
    first, second, third = claude.requests
    assert first["thinking"]["type"] == "enabled" and first["thinking"]["budget_tokens"] > 0
    assert thinking_of(second) == [[signed("Read the notes first.")]]
    assert thinking_of(third) == [
        [signed("Read the notes first.")],
        [signed("Check the size too.")],
    ]
    # The thinking is the model's own: never the answer, never streamed as text.
    shown = [e.data["text"] for e in events if e.type in ("assistant_chunk", "assistant_message")]
    assert not any("notes first" in text or "It says" in text for text in shown)
    assert [m.content for m in messages if m.type == "ai"][-1] == "The notes say the answer is 42."


async def test_thinking_goes_back_after_reopening_the_thread_at_an_approval(
    claude: ScriptedAnthropicServer, workspace: Path, stream: bool
) -> None:
    claude.add(
        Turn(thinking="Make the file.", tool_calls=[call("bash", "b1", command="touch made")]),
        Turn(thinking="Done.", content="Made it."),
    )
    high = settings(claude, stream, reasoning_effort="high")
    async with open_session(high, workspace, thread_id="t-think") as session:
        events = await collect(session.send("make a file"))
        assert [e.type for e in events if e.type == "approval_required"]
    async with open_session(high, workspace, thread_id="t-think") as session:
        events = await collect(session.resume([{"type": "approve"}]))
    assert (workspace / "made").exists()
    assert events[-1].data["final_text"] == "Made it.", fatal_errors(events)
    assert thinking_of(claude.requests[1]) == [[signed("Make the file.")]]


async def test_thinking_is_not_sent_to_another_model_after_a_switch(
    claude: ScriptedAnthropicServer,
    llm: ScriptedLLMServer,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_BASE", claude.url)
    monkeypatch.setenv("OPENAI_API_BASE", llm.url)
    claude.add(
        Turn(thinking="List first.", tool_calls=[call("glob", "g1", pattern="*")]),
        Turn(thinking="Nothing there.", content="The folder is empty."),
    )
    llm.add(Turn(content="Still empty."))
    high = fast_settings(None, model_name=MODEL, reasoning_effort="high")
    async with open_session(high, workspace, mode="headless") as session:
        await collect(session.send("what is here?"))
        await session.set_model("openai/scripted-model")
        events = await collect(session.send("and now?"))
    assert events[-1].data["final_text"] == "Still empty."
    sent = llm.requests[0]["messages"]
    assert [m["content"] for m in sent if m["role"] == "assistant"][-1] == "The folder is empty."
    assert all("reasoning_content" not in m for m in sent)
    assert not any("List first" in json.dumps(m) or "Nothing there" in json.dumps(m) for m in sent)


async def test_a_compaction_mid_loop_pauses_thinking_instead_of_failing_the_turn(
    claude: ScriptedAnthropicServer, workspace: Path, stream: bool
) -> None:
    """Compaction rewrites the history a turn's thinking followed, so it cannot go back:
    the loop goes on without thinking (one refused request), the next turn thinks again."""
    claude.add(
        *[
            Turn(
                thinking=f"Count {i}.", tool_calls=[call("bash", f"b{i}", command=f"seq {i} 4000")]
            )
            for i in range(4)
        ]
    )
    claude.responder = lambda request: (
        Turn(thinking="Done.", content="counted") if request.get("tools") else Turn(content="- seq")
    )
    high = settings(claude, stream, reasoning_effort="high", compact_at_tokens=20_000)
    async with open_session(high, workspace, mode="headless") as session:
        events = await collect(session.send("count a lot"))
        again = await collect(session.send("and once more"))
    assert events[-1].data["stop_reason"] == "done", fatal_errors(events)
    assert [e.type for e in events if e.type == "compacted"]
    warnings = [e.data["message"] for e in events if e.type == "error" and e.data.get("warning")]
    assert any("without extended thinking" in w for w in warnings)
    assert again[-1].data["final_text"] == "counted"
    assert claude.requests[-1].get("thinking", {}).get("type") == "enabled"
