"""A small model's reply is bounded (a runaway is cut and the model told once), and a
final answer is checked against what its tools showed (docs/lab, the ML tasks)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path, PurePath

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from adaptations.registry import NAMES
from adaptations.reply.unseen_numbers import (
    unseen_note,
    unseen_numbers,
    unseen_written,
    unseen_written_note,
)
from configs.model_profile import SMALL_REPLY_TOKENS
from configs.prompt import FILES, runtime_note
from models.messages import note
from models.texts import CUT_REPLY_NOTE
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

SMALL = "llamacpp/qwen2.5-coder-1.5b"
# The rules off by default too (adaptations/registry.py `off`).
EVERY_RULE_ON = {SMALL: dict.fromkeys(NAMES, True)}


def word(seed: int) -> str:
    """A made-up word of letters only (a number would draw the unseen-numbers note)."""
    digest = hashlib.sha1(str(seed).encode()).hexdigest()[:10]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def test_the_cut_reply_note_snapshot() -> None:
    check_snapshot("cut_reply.md", CUT_REPLY_NOTE.format(limit=SMALL_REPLY_TOKENS) + "\n")


@pytest.mark.parametrize("stream", [False, True])
async def test_a_small_models_runaway_reply_is_cut_and_it_is_told_once(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    """Seen on dataset-card: a first reply of 5,584 tokens, ten minutes, the whole window."""
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    # Long and not a loop (a loop is asked again first: tests/nodes/test_runaway_reply.py).
    runaway = "\n".join(f"- Load shard {word(i)} and drop column {word(-i)}." for i in range(60))
    llm.add(
        Turn(content=runaway, finish_reason="length"),
        Turn(content=runaway, finish_reason="length"),
    )
    settings = fast_settings(None, model_name=SMALL, stream=stream, adaptations=EVERY_RULE_ON)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Write a dataset card for reviews.csv."))
    assert [r.get("max_tokens") for r in llm.requests] == [SMALL_REPLY_TOKENS] * 2
    told = CUT_REPLY_NOTE.format(limit=SMALL_REPLY_TOKENS)
    assert told in str(llm.requests[1]["messages"])  # told, and the turn goes on
    assert events[-1].data["final_text"] == runaway  # once: a second cut reply ends the turn


async def test_a_large_model_gets_no_output_limit_and_no_note(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="Half an answ", finish_reason="length"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("Write a dataset card for reviews.csv."))
    [request] = llm.requests
    assert "max_tokens" not in request and "max_completion_tokens" not in request
    assert events[-1].data["final_text"] == "Half an answ"


def test_the_unseen_numbers_note_snapshot() -> None:
    check_snapshot("unseen_numbers.md", unseen_note(["0.9", "100", "90"]) + "\n")


def test_numbers_no_tool_showed_are_found_and_rounded_or_shown_ones_are_not() -> None:
    shown = [
        HumanMessage("What is warmup_ratio? Files: settings.ini 44.2 kB"),
        AIMessage(content="", tool_calls=[{"id": "1", "name": "write", "args": {"x": 0.25}}]),
        ToolMessage(content="eval_accuracy = 0.9134\nrows: 1,204", tool_call_id="1"),
    ]
    answer = "Accuracy 0.913 (91.3%), 1204 rows, 45 kB, warmup 0.01, 3 files, l4x1, 0.25, 44.2"
    assert unseen_numbers(answer, shown) == ["45", "0.01", "0.25"]  # its own 0.25 is not seen
    assert unseen_numbers("It is 0.063.", shown) == ["0.063"]
    # Seen in CI: the turn's note named the workspace, under /tmp/pytest-500; 500 was "seen".
    noted = HumanMessage("Workspace: /tmp/pytest-500/w\nruns/checkpoint-250/ 23/40")
    answer = "500 rows, best step 250, 23 of 40"
    assert unseen_numbers(answer, [noted], PurePath("/tmp/pytest-500/w")) == ["500"]
    sibling = ToolMessage(content="/tmp/run500/model.bin", tool_call_id="1", name="bash")
    assert unseen_numbers("500 rows", [sibling], PurePath("/tmp/run")) == ["500"]


def test_the_runtime_notes_date_workspace_and_plan_and_an_edits_echo_show_no_number() -> None:
    """Our words and the model's own are no facts about its data: on the 20th, an invented
    20 epochs was "seen" in the date; a plan or an edit repeats what the model wrote. The
    files the note lists are facts."""
    runtime = note(
        "runtime",
        runtime_note(
            plan=[{"content": "report accuracy 0.947", "status": "pending"}],
            today=dt.date(2026, 12, 20),
            workspace="/tmp/ws-31",
            lines=[FILES.format(files="data.csv 1.2 kB")],
        ),
    )
    edited = ToolMessage(content="     1\trows: 1000", tool_call_id="e", name="edit")
    answer = "20 epochs, accuracy 0.947, 31 folds, 1000 rows, data.csv is 1.2 kB"
    assert unseen_numbers(answer, [runtime, edited]) == ["20", "0.947", "31", "1000"]
    assert unseen_note(["1", "2", "3", "4", "5"]).startswith("Your answer states 1, 2, 3, 4, ...")


def test_the_unseen_written_note_snapshot() -> None:
    check_snapshot("unseen_written.md", unseen_written_note("README.md", ["20"]) + "\n")


def written(path: str, content: str) -> AIMessage:
    call = {"id": path, "name": "write", "args": {"path": path, "content": content}}
    return AIMessage(content="", tool_calls=[call])


def test_a_read_lines_numbers_are_not_seen_and_a_written_files_numbers_are_checked() -> None:
    """Seen on dataset-card: `neg: 20, pos: 20` written; 20 was only a line number of the read."""
    read = ToolMessage(
        content="    19\tneg\n    20\tpos\n    40\tpos", tool_call_id="r", name="read"
    )
    shown = [HumanMessage("Write a dataset card for reviews.csv as README.md."), read]
    assert unseen_numbers("neg: 20, pos: 40", shown) == ["20", "40"]
    card = [written("README.md", "rows: 40\n- neg: 20\n"), written("README.md", "- neg: 17\n")]
    counted = ToolMessage(content="pos 23\nneg 17", tool_call_id="b", name="bash")
    assert unseen_written(card[:1], shown) == ("README.md", ["40", "20"])
    assert unseen_written(card, [*shown, counted]) is None  # the last content counts
    seeded = [written("train.py", "SEED = 1234\n"), written("notes.txt", "seed 1234\n")]
    assert unseen_written(seeded, shown) == ("notes.txt", ["1234"])  # a program's are choices
    # Seen on dataset-card: 18 rows invented in an 18-line card; "Wrote 18 lines" is no count.
    wrote = ToolMessage(content="Wrote 18 lines to README.md", tool_call_id="w", name="write")
    rows = [written("README.md", "rows: 18\n")]
    assert unseen_written(rows, [*shown, wrote]) == ("README.md", ["18"])


async def test_a_small_model_that_wrote_unseen_numbers_is_told_before_its_next_step(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen on dataset-card: invented counts written first, the same write sent again, then an
    answer; the note after the answer came two steps late."""
    (workspace / "reviews.csv").write_text("text,label\n" + "a,pos\n" * 23 + "b,neg\n" * 17)
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    guess = {"name": "write", "arguments": {"path": "README.md", "content": "pos: 20, neg: 20"}}
    count = "python3 -c 'import collections; print(collections.Counter(open(\"reviews.csv\")))'"
    fixed = {"name": "write", "arguments": {"path": "README.md", "content": "pos: 23, neg: 17"}}
    llm.add(
        Turn(tool_calls=[guess]),
        Turn(tool_calls=[{"name": "bash", "arguments": {"command": count}}]),
        Turn(tool_calls=[fixed]),
        Turn(content="The card is written, with the counts."),
        Turn(content="Not asked for: the answer after the rewrite ends the turn."),
    )
    settings = fast_settings(None, model_name=SMALL, adaptations=EVERY_RULE_ON)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Write a dataset card for reviews.csv as README.md."))
    told = unseen_written_note("README.md", ["20"])
    last = llm.requests[1]["messages"][-1]
    assert last["role"] == "user" and told in str(last["content"])  # after the write's result
    assert llm.requests[1].get("tools")  # it may compute now
    assert sum(told in str(r["messages"]) for r in llm.requests) == 3  # told once, kept
    assert (workspace / "README.md").read_text() == "pos: 23, neg: 17"
    assert events[-1].data["final_text"] == "The card is written, with the counts."
    assert len(llm.requests) == 4


async def test_a_rewrite_that_keeps_an_invented_number_is_told_again_then_no_more(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen on dataset-card: told once, it counted, then rewrote the card with the counts and
    its invented 1000 rows."""
    (workspace / "reviews.csv").write_text("text,label\n" + "a,pos\n" * 23 + "b,neg\n" * 17)
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    count = "python3 -c 'import collections; print(collections.Counter(open(\"reviews.csv\")))'"

    def card(text: str) -> dict[str, object]:
        return {"name": "write", "arguments": {"path": "README.md", "content": text}}

    llm.add(
        Turn(tool_calls=[card("rows: 1000, pos: 500")]),
        Turn(tool_calls=[{"name": "bash", "arguments": {"command": count}}]),
        Turn(tool_calls=[card("rows: 1000, pos: 23, neg: 17")]),
        Turn(tool_calls=[card("rows: 4000, pos: 23, neg: 17")]),
        Turn(content="Written."),
        Turn(content="Not asked for."),
    )
    settings = fast_settings(None, model_name=SMALL, adaptations=EVERY_RULE_ON)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Write a dataset card for reviews.csv as README.md."))
    first = unseen_written_note("README.md", ["1000", "500"])
    again = unseen_written_note("README.md", ["1000"])
    assert first in str(llm.requests[1]["messages"][-1]["content"])
    assert again in str(llm.requests[3]["messages"][-1]["content"])
    assert "4000" not in str(llm.requests[4]["messages"][-1]["content"])  # twice a turn at most
    assert events[-1].data["final_text"] == "Written." and len(llm.requests) == 5


async def test_a_failed_write_or_a_program_file_draws_no_note(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    script = {"name": "write", "arguments": {"path": "train.py", "content": "SEED = 1234\n"}}
    outside = {"name": "write", "arguments": {"path": "/proc/x.md", "content": "rows: 1234\n"}}
    llm.add(
        Turn(tool_calls=[script]),
        Turn(tool_calls=[outside]),
        Turn(content="Done."),
    )
    settings = fast_settings(None, model_name=SMALL, adaptations=EVERY_RULE_ON)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("Write train.py and notes."))
    assert "no tool result shows" not in str([r["messages"] for r in llm.requests])
    assert events[-1].data["final_text"] == "Done."


async def test_a_small_models_answer_with_an_unseen_number_is_sent_back_once(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen on long-file: the read was cut before the line, and it answered 0.01."""
    (workspace / "settings.ini").write_text("warmup_ratio = 0.063\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    grep = {"name": "grep", "arguments": {"pattern": "warmup_ratio", "path": "settings.ini"}}
    llm.add(
        Turn(content="It is 0.01."),
        Turn(tool_calls=[grep]),
        Turn(content="It is 0.063."),
        Turn(content="It is 0.07."),  # not asked for: the first answer after the note ends it
    )
    settings = fast_settings(None, model_name=SMALL, adaptations=EVERY_RULE_ON)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("What is warmup_ratio in settings.ini?"))
    assert unseen_note(["0.01"]) in str(llm.requests[1]["messages"])
    assert llm.requests[1].get("tools")  # it may look now
    assert events[-1].data["final_text"] == "It is 0.063." and len(llm.requests) == 3


async def test_a_large_models_answer_is_not_checked_for_numbers(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(content="It is 0.01."))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("What is warmup_ratio in settings.ini?"))
    assert len(llm.requests) == 1 and events[-1].data["final_text"] == "It is 0.01."
