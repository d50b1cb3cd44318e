"""The ML-task runner drives the real CLI against a scripted server and grades what it did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn


def test_runner_grades_each_run_and_counts_the_wire(
    llm: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.ml_tasks import run

    llm.add(Turn(content="After the last epoch the eval accuracy was 0.9134."))
    llm.add(Turn(content="The eval accuracy was 0.8123."))  # the first epoch's: wrong
    kept = tmp_path / "exchanges"
    code = run.main(["--model", "openai/scripted-model", "--base-url", llm.url, "--task",
                     "final-metric", "--repeats", "2", "--keep-exchanges", str(kept)])  # fmt: skip
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [json.loads(x) for x in lines if x.startswith('{"harness"')]
    assert [r["solved"] for r in rows] == [True, False]
    assert rows[1]["why"] == "the answer does not give 0.9134"
    for row in rows:
        assert row["model_calls"] == 1 and row["input_tokens"] > 0 and row["output_tokens"] > 0
        assert row["exit_reason"] == "done" and row["wall_s"] > 0
    summary = json.loads(lines[-1])
    assert summary["per_task"]["final-metric"]["solved"] == 1 and summary["runs"] == 2
    request = json.loads((kept / "ours/final-metric/0/01-request.json").read_text())
    sent = json.dumps(request["messages"])
    assert "eval accuracy after the last epoch" in sent and "/ws" in sent
    assert "0.9134" in (kept / "ours/final-metric/0/answer.md").read_text()
