"""Loop guard and context compaction, end to end over HTTP."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import assert_valid_tool_pairing, user_texts


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


def guard_count(request: dict) -> int:
    return sum("You are repeating yourself" in text for text in user_texts(request))


async def test_doom_loop_fires_once_and_the_model_changes_course(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    for i in range(3):
        llm.add(Turn(tool_calls=[call("glob", f"g{i}", pattern="*.nothing")]))
    llm.add(Turn(tool_calls=[call("bash", "b1", command="ls")]), Turn(content="changed approach"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("find the files"))
        values = await session.values()
    assert [guard_count(r) for r in llm.requests] == [0, 0, 0, 1, 1]
    assert events[-1].data["stop_reason"] == "done"
    assert values["turn"]["doom_fires"] == 1  # what escalation counts; no other loop record
    assert "doom" not in values
    for request in llm.requests:
        assert_valid_tool_pairing(request["messages"])


async def test_a_repeated_step_of_parallel_calls_is_caught_on_its_second_round(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    """Each call's router sees only its own result; the guard must still see the whole step."""
    for i in range(2):
        llm.add(
            Turn(
                tool_calls=[
                    call("glob", f"a{i}", pattern="*.nothing"),
                    call("glob", f"b{i}", pattern="*.none"),
                ]
            )
        )
    llm.add(Turn(content="changed approach"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("find the files"))
    assert [guard_count(r) for r in llm.requests] == [0, 0, 1]
    assert events[-1].data["stop_reason"] == "done"


async def test_polling_with_changing_results_never_fires(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    for i in range(6):
        llm.add(Turn(tool_calls=[call("bash", f"p{i}", command="date +%s%N")]))
    llm.add(Turn(content="the job finished"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("poll the clock"))
    assert all(guard_count(r) == 0 for r in llm.requests)
    assert events[-1].data["stop_reason"] == "done"


async def test_a_second_loop_in_the_same_turn_ends_a_headless_turn(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    for i in range(8):
        llm.add(Turn(tool_calls=[call("glob", f"g{i}", pattern="*.nothing")]))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("find the files"))
        messages = await session.messages()
    assert events[-1].data["stop_reason"] == "doom_loop"
    assert len(llm.requests) == 6  # 3 calls, warning, 3 more calls, then it stops
    assert messages[-1].type == "tool"


async def test_a_second_loop_asks_the_human_in_interactive_mode(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    for i in range(6):
        llm.add(Turn(tool_calls=[call("glob", f"g{i}", pattern="*.nothing")]))
    async with open_session(fast_settings(llm.url), workspace) as session:
        events = await collect(session.send("find the files"))
        asked = [e for e in events if e.type == "approval_required"]
        assert asked and asked[-1].data["kind"] == "doom_loop"
        events = await collect(session.resume([{"type": "reject"}]))
    assert events[-1].data["stop_reason"] == "doom_loop"


def big_output_turns(count: int) -> list[Turn]:
    return [Turn(tool_calls=[call("bash", f"b{i}", command=f"seq {i} 1200")]) for i in range(count)]


async def test_compaction_under_a_small_threshold_keeps_tool_pairs_and_finishes(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    def respond(request: dict) -> Turn:
        if request.get("tools"):
            return Turn(content="finished the counting")
        return Turn(content="- counted numbers with seq several times")

    for turn in big_output_turns(8):
        llm.add(turn)
    llm.responder = respond  # after the script: summaries for tool-less calls, then the answer
    settings = fast_settings(llm.url, compact_at_tokens=6000)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("count a lot"))
        messages = await session.messages()
    compacted = [e for e in events if e.type == "compacted"]
    assert compacted and all(e.data["new_tokens"] < e.data["old_tokens"] for e in compacted)
    assert events[-1].data["stop_reason"] == "done"
    for request in llm.requests:
        assert_valid_tool_pairing(request["messages"])
    assert messages[0].content == "count a lot"  # the first user message is kept
    assert any("Summary of earlier conversation" in str(m.content) for m in messages)


async def test_context_window_error_compacts_and_retries_once(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    for turn in big_output_turns(4):
        llm.add(turn)
    llm.add(
        Turn(status=400, error_code="context_length_exceeded"),
        Turn(content="- summary of the counting"),
        Turn(content="done after compacting"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("count"))
    assert [e.type for e in events if e.type == "compacted"] == ["compacted"]
    assert events[-1].data["stop_reason"] == "done"
    assert events[-1].data["final_text"] == "done after compacting"
    assert "tools" not in llm.requests[5]  # the summary call
    assert len(llm.requests[6]["messages"]) < len(llm.requests[4]["messages"])


async def test_forced_compaction_works_below_the_threshold(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    for turn in big_output_turns(4):
        llm.add(turn)
    llm.add(
        Turn(content="counted"),
        Turn(content="- the user asked to count"),
        Turn(content="still here"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("count"))
        before = len(await session.messages())
        events = await collect(session.compact())
        after = await session.messages()
        followup = await collect(session.send("are you there?"))
    assert [e.type for e in events if e.type == "compacted"] == ["compacted"]
    assert events[-1].type == "turn_complete" and events[-1].data["stop_reason"] == "compacted"
    assert len(after) < before
    assert followup[-1].data["final_text"] == "still here"
    assert_valid_tool_pairing(llm.requests[-1]["messages"])
