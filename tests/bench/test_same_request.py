"""Whether rules switched on since a run leave its task's request as it was
(bench/ml_tasks/same_request.py): only a rule acting through the runtime note alone, and only
where today's note for the task's request and files equals the note without it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from adaptations.registry import BY_NAME
from bench.ml_tasks.same_request import HOOKS, note_only, request_unchanged
from bench.ml_tasks.tasks import all_tasks
from tests.fakes.llm_server import ScriptedLLMServer, Turn

MODEL = "llamacpp/local"


def task(name: str, task_set: str = "dev"):
    return all_tasks([name], task_set=task_set)[0]  # type: ignore[arg-type]


def test_only_a_rule_acting_through_the_note_alone_can_leave_a_request_unchanged() -> None:
    assert {"note_lines", "check_reply", "wrap_tool_call", "bash_output", "shape"} <= set(HOOKS)
    assert "serves" not in HOOKS  # a field holding a function is no hook
    assert note_only(BY_NAME["table-example"]) and note_only(BY_NAME["look-first"])
    assert not note_only(BY_NAME["answer-now"])  # it checks replies too
    assert not request_unchanged(task("long-file"), ["answer-now"], MODEL)


def test_the_table_example_changes_the_request_of_a_question_about_a_table_only() -> None:
    assert request_unchanged(task("long-file"), ["table-example"], MODEL)  # settings.ini
    assert request_unchanged(task("dataset-card"), ["table-example"], MODEL)  # an order
    assert not request_unchanged(task("csv-count"), ["table-example"], MODEL)
    assert not request_unchanged(task("latency-median", "held-out"), ["table-example"], MODEL)


def test_a_rule_not_on_today_or_unknown_is_no_change_of_todays_request() -> None:
    assert not request_unchanged(task("long-file"), ["code-block"], MODEL)  # off by default
    assert not request_unchanged(task("long-file"), ["no-such-rule"], MODEL)


def first_request(run_main, llm_url: str, kept: Path, task: str, spec: str) -> str:
    """The messages and tools of the run's first model request, its workspace path blanked."""
    code = run_main(["--model", MODEL, "--base-url", llm_url, "--task", task,
                     f"--adaptations={spec}", "--keep-exchanges", str(kept)])  # fmt: skip
    assert code == 0
    requests = sorted((kept / "ours" / task / "0").glob("*-request.json"))
    sent = next(json.loads(r.read_text()) for r in requests if '"messages"' in r.read_text())
    text = json.dumps({"messages": sent["messages"], "tools": sent.get("tools")})
    return re.sub(r"/tmp/ml-task-[\w-]+/ws", "WS", text)


@pytest.mark.parametrize(("task", "same"), [("final-metric", True), ("csv-count", False)])
def test_the_runner_sends_the_same_request_where_the_note_says_so(
    llm: ScriptedLLMServer, tmp_path: Path, task: str, same: bool
) -> None:
    """End to end: the request the runner sends with today's defaults and without the rule
    switched on since, equal exactly where `request_unchanged` says so."""
    from bench.ml_tasks import run

    sent = []
    for spec in ("default", "-table-example"):
        llm.reset()
        llm.add(*[Turn(content="It is 59.")] * 4)
        sent.append(first_request(run.main, llm.url, tmp_path / spec, task, spec))
    assert (sent[0] == sent[1]) is same
    assert request_unchanged(all_tasks([task])[0], ["table-example"], MODEL) is same
