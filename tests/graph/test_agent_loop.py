"""The agent loop end to end: litellm over HTTP to the scripted server, real tools, SQLite.

The scenarios that take a `provider` run through both wire formats (OpenAI-compatible and
Anthropic), the core ones streaming and not; the rest use the OpenAI-compatible fake.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.providers import EVERY_WAY, PROVIDERS, Provider, serve
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results


@pytest.fixture
def provider(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    with serve(request.param, monkeypatch) as wire:
        yield wire


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


def types(events: list) -> list[str]:
    return [e.type for e in events]


@pytest.mark.parametrize("provider", EVERY_WAY, indirect=True)
async def test_writes_a_python_file_runs_it_and_the_output_reaches_the_model(
    provider: Provider, workspace: Path
) -> None:
    llm = provider.server
    llm.add(
        Turn(tool_calls=[call("write", "w1", path="hello.py", content="print(6 * 7)\n")]),
        Turn(tool_calls=[call("bash", "b1", command="python3 hello.py")]),
        Turn(content="The script printed 42."),
    )
    async with open_session(provider.settings(), workspace, mode="headless") as session:
        events = await collect(session.send("Write hello.py that prints 6*7 and run it"))
    assert (workspace / "hello.py").read_text() == "print(6 * 7)\n"
    assert "42" in provider.tool_results(llm.requests[2])["b1"]
    done = events[-1]
    assert done.type == "turn_complete"
    assert done.data["stop_reason"] == "done"
    assert done.data["final_text"] == "The script printed 42."
    assert done.data["iterations"] == 3
    assert done.data["usage"]["input_tokens"] > 0
    for request in llm.requests:
        provider.check_pairing(request)
    assert provider.system_prompt(llm.requests[0]).startswith("You are ml-intern")
    assert provider.tool_names(llm.requests[0]) >= {"bash", "read", "write", "edit"}
    assert all(bool(r.get("stream")) is provider.stream for r in llm.requests)


@pytest.mark.parametrize("provider", EVERY_WAY, indirect=True)
async def test_the_models_thinking_is_never_shown_as_its_answer(
    provider: Provider, workspace: Path
) -> None:
    provider.server.add(
        Turn(thinking="Secret plan: glob first.", tool_calls=[call("glob", "g1", pattern="*")]),
        Turn(thinking="Nothing found, say so.", content="The folder is empty."),
    )
    settings = provider.settings(reasoning_effort="high")
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("what is here?"))
        messages = await session.messages()
    assert events[-1].data["final_text"] == "The folder is empty."
    shown = [e.data["text"] for e in events if e.type in ("assistant_chunk", "assistant_message")]
    assert shown and not any("Secret" in text or "Nothing found" in text for text in shown)
    answers = [m for m in messages if m.type == "ai"]
    assert [m.content for m in answers] == ["", "The folder is empty."]
    # Kept with the reply it belongs to (the model may need it back), not as its text.
    assert answers[-1].additional_kwargs["reasoning_content"] == "Nothing found, say so."


@pytest.mark.parametrize("provider", EVERY_WAY, indirect=True)
async def test_approval_approve_runs_the_command(provider: Provider, workspace: Path) -> None:
    llm = provider.server
    llm.add(
        Turn(tool_calls=[call("bash", "b1", command="touch made-by-agent")]), Turn(content="done")
    )
    async with open_session(provider.settings(), workspace) as session:
        events = await collect(session.send("make a file"))
        asked = [e for e in events if e.type == "approval_required"]
        assert len(asked) == 1
        request = asked[0].data["action_requests"][0]
        assert request["name"] == "bash"
        assert "touch made-by-agent" in request["description"]
        assert not (workspace / "made-by-agent").exists()
        assert "turn_complete" not in types(events)
        events = await collect(session.resume([{"type": "approve"}]))
    assert (workspace / "made-by-agent").exists()
    assert events[-1].data["stop_reason"] == "done"


@pytest.mark.parametrize("provider", EVERY_WAY, indirect=True)
async def test_approval_reject_sends_feedback_and_runs_nothing(
    provider: Provider, workspace: Path
) -> None:
    llm = provider.server
    llm.add(
        Turn(tool_calls=[call("bash", "b1", command="rm -rf data")]), Turn(content="ok, I will not")
    )
    (workspace / "data").mkdir()
    async with open_session(provider.settings(), workspace) as session:
        await collect(session.send("clean up"))
        events = await collect(
            session.resume([{"type": "reject", "message": "never delete data/"}])
        )
    assert (workspace / "data").exists()
    result = provider.tool_results(llm.requests[1])["b1"]
    assert "rejected" in result and "never delete data/" in result
    assert events[-1].data["final_text"] == "ok, I will not"


@pytest.mark.parametrize("provider", PROVIDERS, indirect=True)
async def test_approval_edit_runs_the_edited_command(provider: Provider, workspace: Path) -> None:
    llm = provider.server
    llm.add(Turn(tool_calls=[call("bash", "b1", command="touch wrong-name")]), Turn(content="ok"))
    async with open_session(provider.settings(), workspace) as session:
        await collect(session.send("make a file"))
        await collect(
            session.resume(
                [
                    {
                        "type": "edit",
                        "edited_action": {"name": "bash", "args": {"command": "touch right-name"}},
                    }
                ]
            )
        )
        messages = await session.messages()
    assert (workspace / "right-name").exists() and not (workspace / "wrong-name").exists()
    # The model sees the call as it actually ran.
    assert provider.sent_calls(llm.requests[1]) == {"b1": {"command": "touch right-name"}}
    assert messages[1].tool_calls[0]["args"] == {"command": "touch right-name"}


@pytest.mark.parametrize("provider", PROVIDERS, indirect=True)
async def test_one_interrupt_carries_every_call_that_needs_a_human(
    provider: Provider, workspace: Path
) -> None:
    llm = provider.server
    llm.add(
        Turn(
            tool_calls=[
                call("bash", "b1", command="touch one"),
                call("glob", "g1", pattern="*"),
                call("bash", "b2", command="touch two"),
            ]
        ),
        Turn(content="ok"),
    )
    async with open_session(provider.settings(), workspace) as session:
        events = await collect(session.send("go"))
        asked = [e for e in events if e.type == "approval_required"]
        assert len(asked) == 1
        assert [r["id"] for r in asked[0].data["action_requests"]] == ["b1", "b2"]
        await collect(
            session.resume([{"type": "approve"}, {"type": "reject", "message": "not two"}])
        )
    assert (workspace / "one").exists() and not (workspace / "two").exists()
    results = provider.tool_results(llm.requests[1])
    assert set(results) == {"b1", "g1", "b2"} and "not two" in results["b2"]
    provider.check_pairing(llm.requests[1])


async def test_three_one_second_tool_calls_run_concurrently(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(
            tool_calls=[call("bash", f"s{i}", command=f"sleep 1; echo slept {i}") for i in range(3)]
        ),
        Turn(content="all slept"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("sleep thrice"))
    outputs = [e.data["output"] for e in events if e.type == "tool_output"]
    assert len(outputs) == 3 and all("slept" in o for o in outputs)
    # From the calls' announcement to their last result: the model client's first import
    # (seconds on a cold, loaded machine) is not the tools' time.
    called = min(e.ts for e in events if e.type == "tool_call")
    answered = max(e.ts for e in events if e.type == "tool_output")
    elapsed = answered - called
    assert elapsed < 2.0, f"3 one-second calls took {elapsed:.2f}s: not concurrent"


@pytest.mark.parametrize("provider", EVERY_WAY, indirect=True)
async def test_rate_limit_is_retried_then_succeeds(provider: Provider, workspace: Path) -> None:
    llm = provider.server
    llm.add(
        Turn(status=429, error_code="rate_limit_exceeded", headers={"Retry-After": "0"}),
        Turn(content="hello after the rate limit"),
    )
    async with open_session(provider.settings(), workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
    assert len(llm.requests) == 2
    retry_notes = [e for e in events if e.type == "error"]
    assert retry_notes and retry_notes[0].data.get("retrying") is True
    assert events[-1].data["stop_reason"] == "done"
    assert events[-1].data["final_text"] == "hello after the rate limit"


@pytest.mark.parametrize("provider", PROVIDERS, indirect=True)
async def test_persistent_server_errors_end_the_turn_with_the_providers_message(
    provider: Provider, workspace: Path
) -> None:
    llm = provider.server
    for _ in range(3):
        llm.add(Turn(status=500, error_message="upstream exploded"))
    settings = provider.settings(model_retries=2)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
        messages = await session.messages()
    assert len(llm.requests) == 3
    fatal = [e for e in events if e.type == "error" and e.data.get("fatal")]
    assert len(fatal) == 1 and "upstream exploded" in fatal[0].data["message"]
    assert events[-1].type == "turn_complete" and events[-1].data["stop_reason"] == "error"
    assert [m.type for m in messages] == ["human"]


async def test_iteration_cap_ends_the_turn_with_its_reason(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    for i in range(5):
        llm.add(Turn(tool_calls=[call("bash", f"b{i}", command=f"echo step {i}")]))
    async with open_session(
        fast_settings(llm.url), workspace, mode="headless", max_iterations=2
    ) as session:
        events = await collect(session.send("loop forever"))
        messages = await session.messages()
    assert len(llm.requests) == 2
    assert events[-1].data["stop_reason"] == "max_iterations"
    assert events[-1].data["iterations"] == 2
    assert messages[-1].type == "tool"  # the last call was answered: the thread stays valid


async def test_iteration_counter_resets_each_user_turn(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("bash", "b1", command="echo 1")]),
        Turn(content="first"),
        Turn(content="second"),
    )
    async with open_session(
        fast_settings(llm.url), workspace, mode="headless", max_iterations=2
    ) as session:
        first = await collect(session.send("one"))
        second = await collect(session.send("two"))
    assert first[-1].data["stop_reason"] == "done" and first[-1].data["iterations"] == 2
    assert second[-1].data["stop_reason"] == "done" and second[-1].data["iterations"] == 1


async def test_malformed_arguments_and_unknown_tools_become_errors_the_model_sees(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(
            tool_calls=[
                {"name": "read", "id": "r1", "arguments": '{"path": "x.txt"'},
                {"name": "teleport", "id": "t1", "arguments": {"to": "mars"}},
                {"name": "read", "id": "r2", "arguments": {"wrong_arg": 1}},
            ]
        ),
        Turn(content="I will fix my calls"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("read x"))
    results = tool_results(llm.requests[1])
    assert "not a valid JSON object" in results["r1"]
    assert "no tool named 'teleport'" in results["t1"] and "closest tools you have" in results["t1"]
    assert "path" in results["r2"]  # the validation error names the missing argument
    assert_valid_tool_pairing(llm.requests[1]["messages"])
    assert events[-1].data["stop_reason"] == "done"


@pytest.mark.parametrize("provider", PROVIDERS, indirect=True)
async def test_output_limit_drops_tool_calls_and_tells_the_model(
    provider: Provider, workspace: Path
) -> None:
    llm = provider.server
    llm.add(
        Turn(
            tool_calls=[call("write", "w1", path="big.py", content="x = 1")], finish_reason="length"
        ),
        Turn(content="I'll write it in parts"),
    )
    async with open_session(provider.settings(), workspace, mode="headless") as session:
        await collect(session.send("write a big file"))
    assert not (workspace / "big.py").exists()
    assert any("output token limit" in text for text in provider.user_texts(llm.requests[1]))
    assert provider.sent_calls(llm.requests[1]) == {}
    provider.check_pairing(llm.requests[1])


async def test_long_tool_output_is_capped_and_spilled_to_a_file(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[call("bash", "b1", command="seq 1 20000")]),
        Turn(content="that was long"),
    )
    settings = fast_settings(llm.url, tool_output_max_chars=2000)
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send("count"))
    shown = tool_results(llm.requests[1])["b1"]
    assert len(shown) < 2600
    assert shown.startswith("1\n2\n3\n") and "20000" in shown
    spill = Path(shown.split(" the tool returned are in ")[1].split(" — ")[0])
    assert spill.read_text().count("\n") >= 20000


@pytest.mark.parametrize("provider", PROVIDERS, indirect=True)
async def test_streaming_yields_chunks_and_tool_calls(provider: Provider, workspace: Path) -> None:
    llm = provider.server
    llm.add(
        Turn(content="Let me look around. ", tool_calls=[call("glob", "g1", pattern="*.py")]),
        Turn(content="There are no Python files here, as far as I can see."),
    )
    async with open_session(provider.settings(stream=True), workspace, mode="headless") as session:
        events = await collect(session.send("list python files"))
    chunks = [e.data["text"] for e in events if e.type == "assistant_chunk"]
    assert len(chunks) >= 3
    assert "".join(chunks).endswith("as far as I can see.")
    assert "assistant_stream_end" in types(events)
    assert [e.data["name"] for e in events if e.type == "tool_call"] == ["glob"]
    assert all(r.get("stream") for r in llm.requests)
    assert events[-1].data["usage"]["output_tokens"] > 0
