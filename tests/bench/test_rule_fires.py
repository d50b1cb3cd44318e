"""bench/ml_tasks/rule_fires.py: which rules fired in kept runs, from the counts a row
recorded or else the notes their catalogue texts left in the requests sent, and in how many
solved runs."""

from __future__ import annotations

import json
from pathlib import Path

from bench.ml_tasks import rule_fires
from configs.prompt import LOOK_FIRST
from models.texts import ANSWER_NOW, ASKED_CHANGES


def kept_run(root: Path, task: str, *requests: list[str]) -> None:
    run = root / task / "0"
    run.mkdir(parents=True)
    (run / "01-request.json").write_text("")  # the model list: no body
    for n, texts in enumerate(requests, 2):
        messages = [{"role": "user", "content": text} for text in texts]
        (run / f"{n:02d}-request.json").write_text(json.dumps({"messages": messages}))


def test_a_rule_fired_where_its_text_was_sent(tmp_path: Path) -> None:
    answer_now = ANSWER_NOW.format(calls="read data.csv: 3 rows")
    fix = ASKED_CHANGES.format(files="train.py", it="it")
    kept_run(tmp_path, "solved", [LOOK_FIRST], [LOOK_FIRST, answer_now])
    kept_run(tmp_path, "failed", [LOOK_FIRST, fix], [LOOK_FIRST, fix, "Fix train.py"])
    rows = [{"task": "solved", "repeat": 0, "solved": True},
            {"task": "failed", "repeat": 0, "solved": False}]  # fmt: skip
    found = rule_fires.fires(tmp_path, rows)
    assert (found["runs"], found["solved"]) == (2, 1)
    table = found["rules"]
    assert table["look-first"] == {"inferable": True, "runs": 2, "solved_runs": 1, "notes": 2}
    assert table["answer-now"] == {"inferable": True, "runs": 1, "solved_runs": 1, "notes": 1}
    assert (table["asked-changes"]["runs"], table["asked-changes"]["solved_runs"]) == (1, 0)
    assert table["repeat-call"]["runs"] == 0
    assert table["core-toolset"]["inferable"] is False  # adds no text to be seen by
    assert "look-first" in rule_fires.as_table(found)


def test_a_rows_recorded_counts_are_preferred_over_what_its_requests_show(tmp_path: Path) -> None:
    kept_run(tmp_path, "recorded", [LOOK_FIRST], [LOOK_FIRST])  # shows look-first
    kept_run(tmp_path, "inferred", [LOOK_FIRST])
    rows = [{"task": "recorded", "repeat": 0, "solved": True,
             "fired": {"core-toolset": 2, "answer-now": 1}},
            {"task": "inferred", "repeat": 0, "solved": False}]  # fmt: skip
    found = rule_fires.fires(tmp_path, rows)
    assert (found["runs"], found["recorded"]) == (2, 1)
    table = found["rules"]
    assert table["look-first"]["runs"] == 1  # the inferred run only: the recorded one says not
    assert table["answer-now"] == {"inferable": True, "runs": 1, "solved_runs": 1, "notes": 1}
    assert table["core-toolset"]["runs"] is None  # one run could not have shown it
    every = rule_fires.fires(None, rows[:1])  # all recorded: no requests needed
    assert every["rules"]["core-toolset"] == {
        "inferable": False, "runs": 1, "solved_runs": 1, "notes": 2
    }  # fmt: skip
    assert every["rules"]["look-first"]["runs"] == 0


def test_the_committed_fires_are_of_the_committed_rows() -> None:
    results = Path(__file__).resolve().parents[2] / "bench" / "ml_tasks" / "results"
    found = json.loads((results / "2026-11-26-dev-ours-fires.json").read_text())
    rows = [json.loads(x) for x in (results / "2026-11-26-dev-ours.jsonl").read_text().splitlines()]
    assert (found["runs"], found["solved"]) == (len(rows), sum(r["solved"] for r in rows))
    assert all(r["solved_runs"] <= r["runs"] for r in found["rules"].values() if r["inferable"])


def test_a_row_records_the_counts_the_headless_result_reports() -> None:
    from bench.ml_tasks.rows import ours_result

    result = {"type": "result", "result": "ok", "rules_fired": {"one-line-python": 1}}
    assert ours_result(json.dumps(result))["fired"] == {"one-line-python": 1}
    assert ours_result(json.dumps({"type": "result", "result": "ok"}))["fired"] is None
