"""Provider faults, one table: what the model server does wrong, and what the run must do.

Each row scripts the scripted LLM server (tests/fakes/llm_server.py) to fail on the model
call that follows a tool call. Transient faults are retried and the turn finishes; the
others end the turn with exactly one error that names the cause. In every row: no
traceback, no hang, and the thread stays valid (every call answered, nothing half-written)
so that the next message is answered normally.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import assert_valid_tool_pairing, user_texts

RUN_TIMEOUT_S = 30  # a hang fails the test instead of blocking it
KEY = "sk-test-not-a-real-key"  # OPENAI_API_KEY, set by tests/conftest.py
CALL = {"name": "bash", "id": "b1", "arguments": {"command": "echo before the fault"}}


@dataclass(frozen=True)
class Fault:
    turns: list[Turn]  # what the server answers after the tool call, in order
    outcome: Literal["retried", "error"]
    requests: int  # model requests of the turn, the tool-call one included
    says: tuple[str, ...] = ()  # the error (or the retry note) contains these
    settings: dict[str, Any] = field(default_factory=dict)
    stop_reason: str = "error"


FAULTS: dict[str, Fault] = {
    "429 with Retry-After": Fault(
        [
            Turn(status=429, error_code="rate_limit_exceeded", headers={"Retry-After": "0.3"}),
            Turn(content="ok"),
        ],
        "retried",
        3,
        says=("Rate limit", "Retrying in 0.3s"),
        settings={"retry_max_delay_s": 5},
    ),
    "500": Fault([Turn(status=500), Turn(content="ok")], "retried", 3, says=("500",)),
    "503": Fault([Turn(status=503), Turn(content="ok")], "retried", 3, says=("503",)),
    "503 every time": Fault(
        [Turn(status=503)] * 3,
        "error",
        4,
        says=("kept failing", "503", "Try again later"),
        settings={"model_retries": 2},
    ),
    "slower than the request timeout": Fault(
        [Turn(content="too late", delay=5), Turn(content="ok")],
        "retried",
        3,
        says=("timed out",),
        settings={"request_timeout_s": 0.5},
    ),
    "malformed JSON body": Fault(
        [Turn(raw_body='{"choices": [ this is not json'), Turn(content="ok")], "retried", 3
    ),
    "SSE stream cut mid-way": Fault(
        [Turn(content="a long streamed answer, cut", cut_stream_after=3), Turn(content="ok")],
        "retried",
        3,
        says=("APIConnectionError",),
        settings={"stream": True},
    ),
    "400 context_length_exceeded": Fault(
        [Turn(status=400, error_code="context_length_exceeded")],
        "error",
        2,
        says=("context",),
        stop_reason="compact_failed",
    ),
    "400 invalid request": Fault(
        [Turn(status=400, error_message="Invalid value for 'tools'")],
        "error",
        2,
        says=("Invalid value for 'tools'",),
    ),
    "401": Fault(
        [Turn(status=401, error_message="Incorrect API key provided")],
        "error",
        2,
        says=("rejected the credentials", "OPENAI_API_KEY"),
    ),
}


def event_texts(events: list[Any]) -> str:
    return json.dumps([e.to_dict() for e in events], default=str)


@pytest.mark.parametrize("name", list(FAULTS))
async def test_provider_fault(
    name: str, llm: ScriptedLLMServer, workspace: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    fault = FAULTS[name]
    llm.add(Turn(tool_calls=[CALL]), *fault.turns, Turn(content="yes, still here"))
    settings = fast_settings(llm.url, **fault.settings)
    async with open_session(settings, workspace, mode="headless") as session:
        started = time.monotonic()
        events = await asyncio.wait_for(collect(session.send("go")), RUN_TIMEOUT_S)
        elapsed = time.monotonic() - started

        assert len(llm.requests) == fault.requests
        errors = [e for e in events if e.type == "error" and not e.data.get("retrying")]
        retries = [e for e in events if e.type == "error" and e.data.get("retrying")]
        done = events[-1]
        assert done.type == "turn_complete"
        if fault.outcome == "retried":
            assert not errors and len(retries) == fault.requests - 2
            assert done.data["stop_reason"] == "done" and done.data["final_text"] == "ok"
            said = retries[0].data["message"]
        else:
            assert len(errors) == 1, [e.data for e in errors]
            assert done.data["stop_reason"] == fault.stop_reason
            said = errors[0].data["message"]
        for words in fault.says:
            assert words in said, said
        assert "\n" not in said and len(said) < 700, said  # one line for a person
        text = event_texts(events)
        assert "Traceback" not in text and 'File "' not in text
        assert KEY not in text
        if name == "429 with Retry-After":
            assert elapsed >= 0.3  # the server's Retry-After was honoured
        if name == "slower than the request timeout":
            assert elapsed < 4  # the slow answer was not waited for

        # The thread is valid: every call answered, only complete messages kept.
        messages = await session.messages()
        want = ["human", "ai", "tool"] + (["ai"] if fault.outcome == "retried" else [])
        assert [m.type for m in messages] == want
        assert messages[2].content.startswith("before the fault")
        if fault.outcome == "retried":
            assert messages[-1].content == "ok"  # nothing of a cut or failed answer

        # ...and it goes on: the next message is answered.
        more = await asyncio.wait_for(collect(session.send("still there?")), RUN_TIMEOUT_S)
    assert more[-1].type == "turn_complete" and more[-1].data["stop_reason"] == "done"
    assert more[-1].data["final_text"] == "yes, still here"
    last = llm.requests[-1]
    assert_valid_tool_pairing(last["messages"])
    assert user_texts(last) == ["go", "still there?"]
    printed = "".join(capfd.readouterr())
    assert "Traceback" not in printed, printed[-2000:]  # nothing on the terminal either


async def test_a_cut_stream_is_closed_before_the_retried_answer_streams(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="a long streamed answer, cut", cut_stream_after=3), Turn(content="ok"))
    settings = fast_settings(llm.url, stream=True)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await asyncio.wait_for(collect(session.send("go")), RUN_TIMEOUT_S)
    kinds = [e.type for e in events]
    retry = next(i for i, e in enumerate(events) if e.type == "error" and e.data.get("retrying"))
    assert "assistant_chunk" in kinds[:retry]  # the cut attempt did stream some text
    between = kinds[kinds[:retry].index("assistant_chunk") : kinds.index("assistant_chunk", retry)]
    assert "assistant_stream_end" in between, kinds
