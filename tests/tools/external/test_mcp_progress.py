"""An MCP server's progress notifications reach the run as the call's progress lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.fakes.tool_calls import call_tool
from tools.external.mcp import open_mcp

ROOT = Path(__file__).resolve().parents[3]
FAKE = {"command": sys.executable, "args": ["-m", "tests.fakes.mcp_stdio_server"], "cwd": str(ROOT)}


async def test_progress_notifications_become_tool_log_lines(tmp_path: Path) -> None:
    events: list[dict[str, Any]] = []
    async with open_mcp({"fake": FAKE}, log_dir=tmp_path) as manager:
        tool = next(spec.tool for spec in manager.specs() if spec.name == "fake__steps")
        result = await call_tool(tool, {"count": 3}, call_id="m1", writer=events.append)
    assert result == "did 3 steps"
    assert [e["line"] for e in events] == [
        "fake/steps: 1/3 step 1",
        "fake/steps: 2/3 step 2",
        "fake/steps: 3/3 step 3",
    ]
    assert {(e["type"], e["tool"], e["tool_call_id"]) for e in events} == {
        ("tool_log", "fake__steps", "m1")
    }


async def test_outside_a_run_no_progress_is_asked_for(tmp_path: Path) -> None:
    async with open_mcp({"fake": FAKE}, log_dir=tmp_path) as manager:
        tool = next(spec.tool for spec in manager.specs() if spec.name == "fake__steps")
        assert await tool.ainvoke({"count": 2}) == "did 2 steps"
