"""The `python` kernel's life in a session: kept across turns, interrupted by a cancel with
its state kept, ended when the session closes, and said to be gone after a resume."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results
from tools.result_texts.kernel import GONE_NOTE, STALE_NOTE

LOOP = "import time\nwhile True:\n    time.sleep(0.05)"


def python(call_id: str, code: str) -> dict[str, object]:
    return {"name": "python", "id": call_id, "arguments": {"code": code}}


async def test_the_kernel_lives_with_the_session_and_a_resume_is_told_its_state_is_gone(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[python("p1", "import os\nx = 20\nos.getpid()")]),
        Turn(content="loaded"),
        Turn(tool_calls=[python("p2", LOOP)]),
        Turn(tool_calls=[python("p3", "x + 1")]),
        Turn(content="still there"),
        Turn(tool_calls=[python("p4", "x")]),
        Turn(content="gone"),
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, mode="headless", thread_id="t-k") as session:
        await collect(session.send("load"))
        async for event in session.send("loop"):
            if event.type == "tool_state_change" and event.data["state"] == "running":
                await asyncio.sleep(0.5)  # the cell is running in the kernel
                session.cancel()
        await collect(session.send("add one"))
        results = tool_results(llm.requests[-1])
    pid = int(re.search(r"\]: (\d+)", results["p1"]).group(1))  # type: ignore[union-attr]
    assert "cancelled" in results["p2"]
    assert "]: 21" in results["p3"]
    assert not Path(f"/proc/{pid}").exists(), "the kernel outlived its session"

    async with open_session(settings, workspace, mode="headless", thread_id="t-k") as session:
        await collect(session.send("what is x?"))
        resumed = tool_results(llm.requests[-1])["p4"]
    assert resumed.startswith(GONE_NOTE) and "NameError" in resumed


async def test_after_an_undo_over_python_calls_the_next_call_says_the_kernel_may_be_stale(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(
        Turn(tool_calls=[python("u1", "x = 1")]),
        Turn(content="set"),
        Turn(tool_calls=[python("u2", "x = 2")]),
        Turn(content="changed"),
        Turn(tool_calls=[python("u3", "x")]),
        Turn(content="two"),
        Turn(content="hello"),
        Turn(tool_calls=[python("u4", "x")]),
        Turn(content="still two"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("set x"))
        await collect(session.send("change x"))
        assert (await session.undo()).type == "undo_complete"
        await collect(session.send("what is x?"))
        stale = tool_results(llm.requests[-1])["u3"]
        await collect(session.send("hi"))
        assert (await session.undo()).type == "undo_complete"  # no python call undone
        await collect(session.send("and x?"))
        plain = tool_results(llm.requests[-1])["u4"]
    assert stale.startswith(STALE_NOTE) and "]: 2" in stale  # the undone call's value is kept
    assert not plain.startswith(STALE_NOTE) and "]: 2" in plain


async def test_replay_reruns_the_earlier_calls_in_a_fresh_kernel_up_to_the_first_error(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    replay = {"name": "python", "id": "a5", "arguments": {"replay": True, "code": CHECK}}
    llm.add(
        *(Turn(tool_calls=[python(i, code)]) for i, code in EARLIER),
        Turn(tool_calls=[replay]),
        Turn(content="rebuilt"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("build, then replay"))
    result = tool_results(llm.requests[-1])["a5"]
    assert "[kernel restarted: every earlier variable is gone]" in result
    assert (
        "[replay stopped at earlier call 3 of 4 (a3: 1 / 0): ZeroDivisionError: division by "
        "zero; the 1 after it were not run." in result
    )
    assert "]: (15, False)" in result  # x and y rebuilt; w (after the error) never ran


EARLIER = [("a1", "x = 5"), ("a2", "y = x * 2"), ("a3", "1 / 0"), ("a4", "w = 1")]
CHECK = "(x + y, 'w' in globals())"
