"""A small model that answers without changing the file its request asks it to fix is sent
back once to fix it (docs/lab: shifted-labels answered in prose, train.py unopened)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adaptations.reply.asked_changes import asked_changes, asked_changes_note, unchanged_files
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.tool_calls import calls

SMALL = "llamacpp/qwen2.5-coder-1.5b"

# Off by default since 2026-11-27 (switched off with the never-fired rules to no loss on
# dev pass 1): switched on here.
SWITCHED_ON = {SMALL: {"asked-changes": True}}
SHIFTED = (
    "`python3 train.py` prints an accuracy near chance. Find the bug in train.py and fix it so "
    "that it prints at least 0.9. Do not change data.csv."
)


def test_the_asked_changes_note_snapshot() -> None:
    check_snapshot("asked_changes.md", asked_changes_note(["train.py"]) + "\n")


def test_the_files_to_fix_are_named_and_a_do_not_change_is_not() -> None:
    assert asked_changes(SHIFTED) == ["train.py"]
    bug = "`python3 check.py` fails. Fix the bug in stats.py (do not change check.py) so it passes."
    assert asked_changes(bug) == ["stats.py"]
    assert asked_changes("What is `warmup_ratio` in settings.ini? Never edit main.py.") == []


def test_only_an_edit_write_or_rewriting_command_counts_as_a_change(workspace: Path) -> None:
    (workspace / "train.py").write_text("y = labels[1:]\n")
    ran = [calls(("bash", {"command": "python3 train.py"}), ("read", {"path": "train.py"}))]
    assert unchanged_files(SHIFTED, workspace, ran) == ["train.py"]
    for change in (
        ("edit", {"path": "train.py", "old_str": "[1:]", "new_str": "[:]"}),
        ("write", {"path": "./train.py", "content": "y = labels\n"}),
        ("bash", {"command": "sed -i 's/1:/:/' train.py"}),
    ):
        assert unchanged_files(SHIFTED, workspace, [*ran, calls(change)]) == [], change
    assert unchanged_files(SHIFTED.replace("train.py", "../train.py"), workspace, ran) == []


async def test_an_answer_that_leaves_the_file_unfixed_is_sent_back_once(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "train.py").write_text("y = labels[1:]\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    fix = {"name": "edit", "arguments": {"path": "train.py", "old_str": "[1:]", "new_str": "[:]"}}
    read = {"name": "read", "arguments": {"path": "train.py"}}
    llm.add(
        Turn(content="The bug is likely in the training loop."),
        Turn(tool_calls=[read]),
        Turn(tool_calls=[fix]),
        Turn(content="Fixed: the labels were shifted by one."),
        Turn(content="Not asked for: the answer after the fix ends the turn."),
    )
    async with open_session(
        fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON), workspace, mode="headless"
    ) as s:
        events = await collect(s.send(SHIFTED))
    assert asked_changes_note(["train.py"]) in str(llm.requests[1]["messages"])
    assert llm.requests[1].get("tools")
    assert (workspace / "train.py").read_text() == "y = labels[:]\n"
    assert events[-1].data["final_text"] == "Fixed: the labels were shifted by one."
    assert len(llm.requests) == 4


async def test_a_rewrite_that_changed_nothing_still_counts_as_unfixed(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen on fix-bug: `sed -i 's/0.25/0.5/' stats.py` matched nothing, then an answer."""
    (workspace / "stats.py").write_text("def min_max(lo, hi):\n    return hi + lo\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    sed = {"name": "bash", "arguments": {"command": "sed -i 's/0.25/0.5/' stats.py"}}
    read = {"name": "read", "arguments": {"path": "stats.py"}}
    fix = {"name": "edit", "arguments": {"path": "stats.py", "old_str": "+", "new_str": "-"}}
    llm.add(
        Turn(tool_calls=[sed]),
        Turn(content="Fixed the expected value."),
        Turn(tool_calls=[read]),
        Turn(tool_calls=[fix]),
        Turn(content="Fixed: hi - lo."),
        Turn(content="Not asked for: the answer after the fix ends the turn."),
    )
    bug = "`python3 check.py` fails. Fix the bug in stats.py (do not change check.py)."
    async with open_session(
        fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON), workspace, mode="headless"
    ) as s:
        events = await collect(s.send(bug))
    assert asked_changes_note(["stats.py"]) in str(llm.requests[2]["messages"])
    assert (workspace / "stats.py").read_text().endswith("hi - lo\n")
    assert events[-1].data["final_text"] == "Fixed: hi - lo."
    assert len(llm.requests) == 5
