"""A tool's result says how its call ended beside its text: a command's exit code, the files a
call wrote. The text the model reads is what it was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage

from tests.fakes.tool_calls import call_tool
from tools.local.family import local_specs
from tools.outcome import Outcome, outcome_of

Called = Callable[..., Awaitable[ToolMessage]]


@pytest.fixture
def called(workspace: Path) -> Called:
    """Calls to the local tools of one thread (a `write` counts as a read for an `edit`)."""
    tools = {spec.name: spec.tool for spec in local_specs()}

    async def call(name: str, **args: Any) -> ToolMessage:
        return await call_tool(tools[name], args, workspace, as_tool_call=True)

    return call


async def test_a_command_s_result_carries_its_exit_code(called: Called) -> None:
    failed = await called("bash", command="echo '[exit code: 0]'; exit 3")
    assert failed.content == "[exit code: 0]\n[exit code: 3]"  # as the model always read it
    assert outcome_of(failed) == Outcome(exit_code=3, notes=1)
    ok = await called("bash", command="echo fine")
    assert outcome_of(ok) == Outcome(exit_code=0, notes=1)
    stopped = await called("bash", command="echo started; sleep 5", timeout=1)
    assert stopped.content.endswith("[timed out after 1 s; process group killed]")
    assert outcome_of(stopped) == Outcome(exit_code=None, notes=1)  # it did not end by itself


async def test_a_write_s_and_an_edit_s_results_carry_the_file(
    called: Called, workspace: Path
) -> None:
    wrote = await called("write", path="out/notes.md", content="Wrote 3 lines\n")
    assert wrote.content == "Wrote 1 line to out/notes.md (new file)"
    assert outcome_of(wrote) == Outcome(wrote=("out/notes.md",))
    edited = await called("edit", path="out/notes.md", old_str="3", new_str="4")
    assert edited.content.startswith("Edited out/notes.md: 1 replacement.")
    assert outcome_of(edited) == Outcome(wrote=("out/notes.md",))
    (workspace / "kept.txt").write_text("old\n")
    refused = await called("write", path="kept.txt", content="new\n")
    assert refused.status == "error" and outcome_of(refused) is None  # it wrote nothing
    assert (workspace / "kept.txt").read_text() == "old\n"


async def test_a_file_s_words_are_no_outcome(called: Called, workspace: Path) -> None:
    """`cat` of a file that starts "Wrote " wrote nothing; a result recorded before tools
    attached outcomes has none, whatever it says."""
    (workspace / "log.txt").write_text("Wrote 2 lines to README.md\n")
    shown = await called("bash", command="cat log.txt")
    assert shown.content.startswith("Wrote ") and outcome_of(shown) == Outcome(0, notes=1)
    old = ToolMessage(content="Wrote 2 lines to README.md", tool_call_id="w", name="write")
    assert outcome_of(old) is None
    assert outcome_of(ToolMessage(content="x", tool_call_id="w", artifact={"figures": []})) is None
