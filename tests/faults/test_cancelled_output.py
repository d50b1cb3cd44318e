"""A cancelled tool keeps what it had printed: the model reads the output the user watched."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results

COMMAND = "for i in 1 2 3; do echo progress-$i; done; sleep 30"


async def test_cancel_keeps_the_partial_output_with_the_note(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    call = {"name": "bash", "id": "b1", "arguments": {"command": COMMAND}}
    llm.add(Turn(tool_calls=[call]), Turn(content="I saw it reach step 3."))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        shown: list[str] = []
        async for event in session.send("count slowly"):
            if event.type == "tool_log":
                shown.append(event.data["line"])
                if len(shown) == 3:  # the user has watched three lines: stop it now
                    session.cancel()
        assert shown == ["progress-1", "progress-2", "progress-3"]
        result = str((await session.messages())[-1].content)
        assert result.startswith("[cancelled] The user interrupted the run")
        assert result.endswith(
            "(last 3 lines shown to the user):\nprogress-1\nprogress-2\nprogress-3"
        )
        await collect(session.send("how far did it get?"))
    sent = tool_results(llm.requests[-1])["b1"]
    assert "[cancelled]" in sent and "progress-3" in sent
    assert_valid_tool_pairing(llm.requests[-1]["messages"])


async def test_a_call_stopped_at_the_tool_timeout_keeps_its_output_too(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    command = "echo first-part; echo second-part; sleep 30"
    call = {"name": "bash", "id": "b1", "arguments": {"command": command}}
    llm.add(Turn(tool_calls=[call]), Turn(content="It hung after the second part."))
    settings = fast_settings(llm.url, tool_timeout_s=2)
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send("run it"))
    sent = tool_results(llm.requests[-1])["b1"]
    assert "did not finish within 2 s and was stopped." in sent
    assert sent.endswith("shown to the user):\nfirst-part\nsecond-part")
