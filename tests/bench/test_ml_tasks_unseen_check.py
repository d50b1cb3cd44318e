"""The unseen-numbers check replayed on kept exchanges (bench/ml_tasks/unseen_check.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.ml_tasks import unseen_check
from configs.prompt import runtime_note


def test_a_replayed_answer_is_checked_against_tools_not_the_runtime_notes_own_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An invented 500 is flagged though the run's workspace was under ml-task-500 and the
    plan said 500; the 23 a tool printed is seen."""
    run = tmp_path / "ours" / "csv-count" / "0"
    run.mkdir(parents=True)
    runtime = runtime_note(
        plan=[{"content": "say 500 rows", "status": "pending"}],
        workspace="/tmp/ml-task-500/ws",
    )
    messages = [
        {"role": "user", "content": "How many rows does data.csv have?"},
        {"role": "user", "content": runtime},
        {"role": "tool", "content": "23", "tool_call_id": "1"},
    ]
    (run / "01-request.json").write_text(json.dumps({"messages": messages}))
    (run / "answer.md").write_text("It has 500 rows; 23 are positive.")
    results = tmp_path / "rows.jsonl"
    results.write_text(json.dumps({"task": "csv-count", "repeat": 0, "solved": False}) + "\n")
    unseen_check.main(results, tmp_path)
    printed = capsys.readouterr().out.splitlines()
    assert "unseen=['500']" in printed[0]
    assert json.loads(printed[-1]) == {"answers": 1, "flagged": 1, "false_alarms": 0}
