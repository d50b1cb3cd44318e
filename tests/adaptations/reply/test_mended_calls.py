"""`mended-python` (off by default), through the real graph: a small model's kernel call with a
bracket left open is kept with the code mended before approval, so the person is asked about,
and the kernel runs, the code that runs; the code as sent stays beside the reply, unsent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from adaptations.reply.mended_calls import MENDED_KEY
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results

SMALL = "llamacpp/local"
SENT = "import pandas as pd\ndf = pd.read_csv('sales.csv')\nprint(len(df[df.amount > 100])"
RUNS = SENT + ")"


@pytest.fixture
def small(llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.stated["props"] = {"default_generation_settings": {"n_ctx": 9216}}
    (workspace / "sales.csv").write_text("region,amount\nnorth,150\nnorth,90\nsouth,300\n")
    return workspace


def settings(llm: ScriptedLLMServer, on: bool) -> Any:
    switches = {SMALL: {"python-tool": True, "mended-python": on}}
    return fast_settings(llm.url, model_name=SMALL, adaptations=switches)


async def test_the_mended_code_is_what_is_asked_about_and_what_runs(
    llm: ScriptedLLMServer, small: Path
) -> None:
    call = {"name": "python", "id": "p1", "arguments": {"code": SENT}}
    llm.add(Turn(tool_calls=[call]), Turn(content="2 rows."))
    async with open_session(settings(llm, on=True), small) as session:
        events = await collect(session.send("How many rows of sales.csv have amount over 100?"))
        [asked] = [e for e in events if e.type == "approval_required"]
        assert [r["args"]["code"] for r in asked.data["action_requests"]] == [RUNS]
        await collect(session.resume([{"type": "approve"}]))
        messages = await session.messages()
    assert tool_results(llm.requests[1])["p1"].splitlines()[-1] == "2"
    [reply] = [m for m in messages if isinstance(m, AIMessage) and m.tool_calls]
    assert reply.tool_calls[0]["args"]["code"] == RUNS
    assert reply.additional_kwargs[MENDED_KEY] == {
        "p1": {"sent": SENT, "changes": ["`)` added at the end of line 3"]}
    }
    assert MENDED_KEY not in json.dumps(llm.requests[1])  # kept beside, never sent


async def test_switched_off_the_code_runs_as_sent(llm: ScriptedLLMServer, small: Path) -> None:
    call = {"name": "python", "id": "p1", "arguments": {"code": SENT}}
    llm.add(Turn(tool_calls=[call]), Turn(content="It failed."))
    async with open_session(settings(llm, on=False), small, mode="headless") as session:
        await collect(session.send("How many rows of sales.csv have amount over 100?"))
    assert "SyntaxError" in tool_results(llm.requests[1])["p1"]
