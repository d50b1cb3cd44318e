"""bench/ml_tasks/ingest.py: a sweep's new rows go to the kept file, those the machine starved
to the set-aside file, and rows already kept or set aside are not added twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.ml_tasks import ingest


def row(task: str, wall: float, **figures: Any) -> dict[str, Any]:
    named = {"harness": "smolagents", "set": "dev", "task": task, "repeat": 0, "wall_s": wall}
    return {**named, "solved": False, "exit_reason": "done", "gen_tok_s": 10.0, "load": 1.0,
            **figures}  # fmt: skip


def lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_new_rows_are_kept_or_set_aside_once(tmp_path: Path, capsys: Any) -> None:
    results = tmp_path / "results"
    (results / "set-aside").mkdir(parents=True)
    kept_before = row("csv-count", 30.0, solved=True)
    starved_before = row("fix-bug", 900.0, exit_reason="time limit", gen_tok_s=4.0, load=4.0)
    (results / "old.jsonl").write_text(json.dumps(kept_before) + "\n")
    (results / "set-aside" / "old-starved.jsonl").write_text(json.dumps(starved_before) + "\n")
    again_quiet = row("fix-bug", 901.0, exit_reason="time limit", gen_tok_s=6.0, load=2.0)
    starved_now = row("dataset-card", 900.0, exit_reason="time limit", gen_tok_s=5.0, load=3.5)
    slow_own_pace = row("long-file", 900.0, exit_reason="time limit", gen_tok_s=11.0, load=1.0)
    finished = row("split-leak", 80.0, gen_tok_s=3.0, load=5.0)  # slow, but it ended itself
    runs = tmp_path / "runs.jsonl"
    sweep = [kept_before, starved_before, again_quiet, starved_now, slow_own_pace, finished]
    runs.write_text("".join(json.dumps(r) + "\n" for r in sweep))
    kept, aside = results / "new.jsonl", results / "set-aside" / "new-starved.jsonl"
    argv = [str(runs), str(kept), str(aside), "--results", str(results)]

    assert ingest.main(argv) == 0  # a dry run: it says, and writes nothing
    assert "aside smolagents dev dataset-card 0" in capsys.readouterr().out
    assert not kept.exists() and not aside.exists()

    assert ingest.main([*argv, "--write"]) == 0
    assert [r["task"] for r in lines(kept)] == ["fix-bug", "long-file", "split-leak"]
    assert [r["task"] for r in lines(aside)] == ["dataset-card"]
    ingest.main([*argv, "--write"])  # a second time: every row is held already
    assert len(lines(kept)) == 3 and len(lines(aside)) == 1


def test_two_variants_ending_at_the_same_time_limit_are_two_runs(tmp_path: Path) -> None:
    """A timeout ends at the limit to the tenth of a second: the switches tell the runs apart."""
    results = tmp_path / "results"
    (results / "set-aside").mkdir(parents=True)
    held = row("shifted-labels", 900.1, exit_reason="timeout", variant="python-first")
    (results / "old.jsonl").write_text(json.dumps(held) + "\n")
    other = {**held, "variant": "python-tool", "adaptations": "+python-tool"}
    runs = tmp_path / "runs.jsonl"
    runs.write_text(json.dumps(held) + "\n" + json.dumps(other) + "\n")
    kept, aside = results / "new.jsonl", results / "set-aside" / "new-starved.jsonl"
    ingest.main([str(runs), str(kept), str(aside), "--results", str(results), "--write"])
    assert [r["variant"] for r in lines(kept)] == ["python-tool"]
