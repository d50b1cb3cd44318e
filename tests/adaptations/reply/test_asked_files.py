"""A small model that answers without writing the file its request asks for is sent back once
to write it (docs/lab: split-leak and f1-confusion answered in words)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage

from adaptations.reply.asked_changes import last_failure
from adaptations.reply.asked_files import asked_files, asked_files_note, missing_files
from tests.configs.test_prompt_snapshot import SNAPSHOTS, check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.tool_calls import call_tool, calls
from tools.local.bash import bash_spec
from tools.outcome import Outcome

SMALL = "llamacpp/qwen2.5-coder-1.5b"

# Off by default since 2026-11-27 (switched off with the never-fired rules to no loss on
# dev pass 1): switched on here.
SWITCHED_ON = {SMALL: {"asked-files": True}}
LEAK = (
    "Some rows of test.csv leak from train.csv. How many test rows leak? "
    "Write the `id`s of the leaking test rows to leaked_ids.txt, one per line."
)


def test_the_asked_files_note_snapshot() -> None:
    check_snapshot("asked_files.md", asked_files_note(["leaked_ids.txt"]) + "\n")


def test_only_the_files_a_request_asks_to_be_written_count() -> None:
    assert asked_files(LEAK) == ["leaked_ids.txt"]
    card = "Write a dataset card for reviews.csv as README.md: front matter, rows, columns."
    assert asked_files(card) == ["README.md"]  # reviews.csv is what it describes
    two = "predictions.csv holds the labels. Write metrics.json with two keys. Save it to out/a.md"
    assert asked_files(two) == ["metrics.json", "out/a.md"]
    read = "The folder runs/ holds three runs, each with its trainer_state.json. Which overfit?"
    assert asked_files(read) == []
    assert asked_files("Read model.md, e.g. from huggingface.co, and say which fits.") == []
    assert asked_files_note(["a.txt", "b.txt", "c.txt", "d.txt"]).startswith(
        "You were asked to write `a.txt`, `b.txt`, `c.txt`, ..., but"
    )


def test_missing_files_looks_in_subfolders_and_never_outside(
    workspace: Path, tmp_path: Path
) -> None:
    (workspace / "runs" / "a").mkdir(parents=True)
    (workspace / "runs" / "a" / "report.md").write_text("x")
    (tmp_path / "outside.txt").write_text("secret")
    request = "Write report.md, then save runs/b/report.md and ../outside.txt and /etc/hosts.txt"
    assert missing_files(request, workspace) == ["runs/b/report.md"]
    (workspace / "runs" / "b").mkdir()
    (workspace / "runs" / "b" / "report.md").write_text("y")
    assert missing_files(request, workspace) == []


async def test_an_answer_without_the_asked_file_is_sent_back_once_to_write_it(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen on split-leak: the ids were found, then said in words; the file never existed."""
    (workspace / "test.csv").write_text("id,text\n1,a\n2,b\n")
    (workspace / "train.csv").write_text("id,text\n9,a\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    write = {"name": "write", "arguments": {"path": "leaked_ids.txt", "content": "1\n"}}
    look = {"name": "bash", "arguments": {"command": "cat test.csv train.csv"}}
    llm.add(
        Turn(tool_calls=[look]),
        Turn(content="One test row leaks: id 1."),
        Turn(tool_calls=[write]),
        Turn(content="One row leaks; its id is in leaked_ids.txt."),
        Turn(content="Not asked for: the first answer after the file is written ends it."),
    )
    settings = fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send(LEAK))
    told = json.dumps(llm.requests[2]["messages"])
    assert json.dumps(asked_files_note(["leaked_ids.txt"]))[1:-1] in told
    assert llm.requests[2].get("tools")  # it can write now
    assert (workspace / "leaked_ids.txt").read_text() == "1\n"
    assert events[-1].data["final_text"] == "One row leaks; its id is in leaked_ids.txt."
    assert len(llm.requests) == 4


async def test_the_note_comes_once_a_turn_and_never_for_a_large_model(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(content="Id 1."), Turn(content="Still id 1."))
    settings = fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send(LEAK))
    assert len(llm.requests) == 2 and events[-1].data["final_text"] == "Still id 1."
    large = ScriptedLLMServer()
    with large:
        large.add(Turn(content="Id 1."))
        async with open_session(fast_settings(large.url), workspace, mode="headless") as session:
            events = await collect(session.send(LEAK))
        assert len(large.requests) == 1 and events[-1].data["final_text"] == "Id 1."


def test_the_asked_files_note_after_a_failed_program_snapshot() -> None:
    note = asked_files_note(["predictions.csv"], "KeyError: 'label'")
    check_snapshot("asked_files_after_error.md", note + "\n")
    assert "`write`" not in note
    long = asked_files_note(["a.csv"], "{x}" * 100)  # braces kept, cut at ERROR_CHARS
    assert "({x}{x}" in long and " ...). Fix" in long and len(long) < 450


def test_an_asked_table_is_sent_to_a_program_not_to_write_by_hand() -> None:
    """Seen on train-classifier: sent to `write` predictions.csv, it typed invented rows."""
    note = asked_files_note(["predictions.csv"])
    check_snapshot("asked_table.md", note + "\n")
    assert ".to_csv('predictions.csv', index=False)" in note and "`write`" not in note
    assert "`write`" in asked_files_note(["metrics.json", "predictions.csv"])


async def test_a_failed_program_sends_the_model_back_to_its_error_not_to_write_by_hand(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen on train-classifier: its program failed, the note said `write`, and it wrote eight
    invented predictions."""
    (workspace / "test.csv").write_text("id,x1\n300,0.5\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    failing = {"name": "bash", "arguments": {"command": "python3 -c \"raise KeyError('label')\""}}
    fixed = {
        "name": "bash",
        "arguments": {"command": "printf 'id,label\\n300,1\\n' > predictions.csv"},
    }
    llm.add(
        Turn(tool_calls=[failing]),
        Turn(content="The predictions are saved."),
        Turn(tool_calls=[fixed]),
        Turn(content="Saved predictions.csv."),
    )
    settings = fast_settings(None, model_name=SMALL, adaptations=SWITCHED_ON)
    request = "Predict the label of every row of test.csv. Save the predictions to predictions.csv."
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send(request))
    told = json.dumps(llm.requests[2]["messages"])
    expected = asked_files_note(["predictions.csv"], "KeyError: 'label'")
    assert json.dumps(expected)[1:-1] in told
    assert (workspace / "predictions.csv").read_text() == "id,label\n300,1\n"
    assert events[-1].data["final_text"] == "Saved predictions.csv."


def test_the_failing_line_of_a_here_document_program_is_named() -> None:
    """Seen on train-classifier: shown KeyError: 'label', it blamed train.csv; its line 14 read
    the column from test.csv."""
    focused = (SNAPSHOTS / "traceback_focus.md").read_text()
    program = calls(("bash", {"command": "python3 - <<'EOF'\n...\nEOF"}))
    failed = Outcome(exit_code=1, notes=1).artifact()
    result = ToolMessage(content=focused, tool_call_id="0", artifact=failed)
    assert last_failure([program, result]) == (
        "line 6, `test['label'] = test['label'] + 1`: KeyError: 'label'"
    )
    repeated = ToolMessage(
        content=f"You already made this call and have its result (above): {focused}\n"
        "Do not call it again.",
        tool_call_id="0",
        artifact=Outcome(exit_code=1, notes=1).quoted().artifact(),
    )
    assert last_failure([program, repeated]) == last_failure([program, result])
    plain = ToolMessage(
        content="Traceback:\nValueError: x\n[exit code: 1]", tool_call_id="0", artifact=failed
    )
    assert last_failure([program, plain]) == "ValueError: x"
    ok = Outcome(exit_code=0, notes=1).artifact()
    assert (
        last_failure([program, ToolMessage("ok\n[exit code: 0]", tool_call_id="0", artifact=ok)])
        is None
    )


async def test_a_log_that_says_exit_code_1_is_no_failure_of_the_command(workspace: Path) -> None:
    """A command that printed an old log ending in "[exit code: 1]", then timed out, did not
    fail with the log's error: only the tool says how its command ended, not the output."""
    log = "Traceback (most recent call last):\nKeyError: 'label'\n[exit code: 1]\n"
    (workspace / "crash.log").write_text(log)
    command = "cat crash.log; sleep 5"
    program = calls(("bash", {"command": command}))
    args = {"command": command, "timeout": 1}
    result = await call_tool(bash_spec().tool, args, workspace, as_tool_call=True, call_id="0")
    assert log in result.content and "[timed out after 1 s" in result.content
    assert last_failure([program, result]) is None
    failing = {"command": "python3 -c \"raise ValueError('x')\""}
    program = calls(("bash", failing))
    result = await call_tool(bash_spec().tool, failing, workspace, as_tool_call=True, call_id="0")
    assert last_failure([program, result]) == "ValueError: x"
