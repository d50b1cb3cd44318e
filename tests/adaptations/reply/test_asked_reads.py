"""A small model that answers without opening a file its request names is sent back once to
read it (docs/lab: cheapest-hardware named a flavor with model.md unopened)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adaptations.registry import NAMES
from adaptations.reply.asked_changes import left_alone
from adaptations.reply.asked_reads import unread_files, unread_note
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.tool_calls import calls

SMALL = "llamacpp/qwen2.5-coder-1.5b"
# The rules off by default too (adaptations/registry.py `off`).
EVERY_RULE_ON = {SMALL: dict.fromkeys(NAMES, True)}
HARDWARE = (
    "Read model.md. Using the `hf_jobs` tool (operation `hardware`), find the cheapest Jobs "
    "hardware flavor with a single GPU whose memory can hold this model's weights."
)


def test_the_unread_files_note_snapshot() -> None:
    check_snapshot("unread_files.md", unread_note(["model.md"], HARDWARE) + "\n")
    assert unread_note(["a.md"], "{x} a.md").endswith('results above: "{x} a.md"')
    long = unread_note(["a.md"], "word " * 200)
    assert long.endswith(' ..."') and len(long) < len(unread_note(["a.md"])) + 480


def test_an_unused_table_is_sent_to_a_program_not_to_read() -> None:
    """Seen on train-classifier: it predicted on a split of train.csv; sent to `read` test.csv,
    it saw a cut view and gave the same answer."""
    request = (
        "Train a classifier on train.csv and predict the label of every row of test.csv. "
        "Save the predictions to predictions.csv with the columns `id,label`."
    )
    note = unread_note(["test.csv"], request)
    check_snapshot("unused_table.md", note + "\n")
    assert "pd.read_csv('test.csv')" in note and "`read`" not in note
    assert "`read`" in unread_note(["model.md", "test.csv"], request)
    assert "`read`" in unread_note(["test.csv"])


def test_a_named_file_counts_as_opened_when_any_call_names_it(
    workspace: Path, tmp_path: Path
) -> None:
    (workspace / "model.md").write_text("13B, bf16\n")
    (workspace / "data").mkdir()
    (workspace / "data" / "a.csv").write_text("x\n1\n")
    (tmp_path / "outside.md").write_text("secret\n")
    request = f"{HARDWARE} Compare data/a.csv, notes.md (absent) and ../outside.md."
    listed = [calls(("hf_jobs", {"operation": "hardware"}))]
    assert unread_files(request, workspace, listed) == ["model.md", "data/a.csv"]
    by_python = calls(("bash", {"command": "python3 -c 'print(open(\"a.csv\").read())'"}))
    assert unread_files(request, workspace, [*listed, by_python]) == ["model.md"]
    read = calls(("read", {"path": "model.md"}))
    assert unread_files(request, workspace, [*listed, by_python, read]) == []


def test_a_file_named_in_written_text_has_not_been_opened(workspace: Path) -> None:
    """Seen on dataset-card: a card naming reviews.csv, with invented counts, was written
    without opening reviews.csv."""
    (workspace / "reviews.csv").write_text("text,label\ngood,pos\n")
    request = "Write a dataset card for reviews.csv as README.md with the number of rows."
    card = {"path": "README.md", "content": "# reviews.csv\nrows: 10000\n"}
    edit = {"path": "README.md", "old_str": "reviews.csv", "new_str": "reviews.csv (40 rows)"}
    written = [calls(("write", card)), calls(("edit", edit))]
    assert unread_files(request, workspace, written) == ["reviews.csv"]
    counted = calls(
        ("bash", {"command": "python3 -c \"import pandas; pandas.read_csv('reviews.csv')\""})
    )
    assert unread_files(request, workspace, [*written, counted]) == []


def test_a_file_the_request_says_to_leave_alone_is_not_sent_to_be_read(workspace: Path) -> None:
    """Seen on shifted-labels: sent to read data.csv, the model read it and edited it."""
    (workspace / "train.py").write_text("labels = labels[1:]\n")
    (workspace / "data.csv").write_text("x1,x2,label\n")
    request = "Find the bug in train.py and fix it. Do not change data.csv."
    assert unread_files(request, workspace, []) == ["train.py"]
    assert left_alone(request) == ["data.csv"]
    assert left_alone("Fix stats.py (do not change check.py). Never edit main.py.") == [
        "check.py",
        "main.py",
    ]


async def test_an_answer_without_opening_the_named_file_is_sent_back_once(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "model.md").write_text("A 13-billion-parameter model in bf16.\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    read = {"name": "read", "arguments": {"path": "model.md"}}
    llm.add(
        Turn(content="l4x1"),
        Turn(tool_calls=[read]),
        Turn(content="l40sx1, from what model.md says."),
        Turn(content="Not asked for: the answer after the read ends the turn."),
    )
    settings = fast_settings(None, model_name=SMALL, adaptations=EVERY_RULE_ON)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send(HARDWARE))
    told = json.dumps(llm.requests[1]["messages"])
    assert json.dumps(unread_note(["model.md"], HARDWARE))[1:-1] in told
    assert llm.requests[1]["messages"][-1]["content"].endswith(f'the results above: "{HARDWARE}"')
    assert llm.requests[1].get("tools")  # it can read now
    assert "13-billion" in json.dumps(llm.requests[2]["messages"])
    assert events[-1].data["final_text"] == "l40sx1, from what model.md says."
    assert len(llm.requests) == 3


async def test_the_note_comes_once_a_turn_and_never_for_a_large_model(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "model.md").write_text("A 13-billion-parameter model in bf16.\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(content="l4x1"), Turn(content="Still l4x1."))
    settings = fast_settings(None, model_name=SMALL, adaptations=EVERY_RULE_ON)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send(HARDWARE))
    assert len(llm.requests) == 2 and events[-1].data["final_text"] == "Still l4x1."
    large = ScriptedLLMServer()
    with large:
        large.add(Turn(content="l4x1"))
        async with open_session(fast_settings(large.url), workspace, mode="headless") as session:
            events = await collect(session.send(HARDWARE))
        assert len(large.requests) == 1 and events[-1].data["final_text"] == "l4x1"
