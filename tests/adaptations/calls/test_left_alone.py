"""A small model's change to a file its request says not to change is answered, not run."""

from __future__ import annotations

from pathlib import Path

import pytest

from adaptations.calls.left_alone import KEPT, kept_answers
from adaptations.reply.asked_changes import left_alone
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.policy import file_rule

REQUEST = "Find the bug in train.py and fix it. Do not change data.csv."
DATA = "x1,label\n0.1,a\n"
READ = {"name": "read", "arguments": {"path": "data.csv"}}
WRITE = {"name": "write", "arguments": {"path": "./data.csv", "content": "x1,label\n"}}


def call(call_id: str, name: str, path: str) -> dict[str, object]:
    return {"id": call_id, "name": name, "args": {"path": path}}


def test_the_kept_file_note_snapshot() -> None:
    check_snapshot("left_alone.md", KEPT.format(path="data.csv") + "\n")


def denied(request: str) -> set[str]:
    """The ids of the calls the policy denies because `request` keeps their file."""
    rules = {"edit": file_rule("write", None, "new_str"), "write": file_rule("write", None)}
    rules["read"] = file_rule("read", None)
    calls = [
        call("1", "edit", "data.csv"),
        call("2", "write", "sub/data.csv"),  # a bare name keeps that name anywhere
        call("3", "edit", "train.py"),
        call("4", "read", "data.csv"),
    ]
    return set(kept_answers(calls, rules, left_alone(request)))


def test_only_changes_to_the_files_the_request_keeps_are_denied() -> None:
    assert denied(REQUEST) == {"1", "2"}
    assert denied("Fix train.py.") == set()
    assert denied("Fix a.py; do not change lib/data.csv.") == set()


async def test_a_small_models_write_to_a_file_it_was_told_to_keep_is_not_run(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen on shifted-labels: sent to look at data.csv, the model edited it."""
    (workspace / "data.csv").write_text(DATA)
    (workspace / "train.py").write_text("print(1)\n")
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    llm.add(Turn(tool_calls=[READ]), Turn(tool_calls=[WRITE]), Turn(content="Left it."))
    llm.add(Turn(content="Done."))
    small = "llamacpp/qwen2.5-coder-1.5b"  # off by default (never fired on dev): switched on
    settings = fast_settings(None, model_name=small, adaptations={small: {"left-alone": True}})
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send(REQUEST))
    assert (workspace / "data.csv").read_text() == DATA
    told = llm.requests[2]["messages"][-1]["content"]
    assert told == KEPT.format(path="./data.csv")


async def test_a_large_model_writes_the_file_as_asked(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "data.csv").write_text(DATA)
    llm.add(Turn(tool_calls=[READ]), Turn(tool_calls=[WRITE]), Turn(content="Done."))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send(REQUEST))
    assert (workspace / "data.csv").read_text() == "x1,label\n"
