"""The task x harness table of docs/benchmarks.md, generated from recorded ML-task rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adaptations.resolve import active_names
from bench import report
from bench.ml_tasks import table
from bench.ml_tasks.same_request import request_unchanged
from bench.ml_tasks.tasks import all_tasks
from configs.model_profile import profile_of


def run_row(harness: str, task_set: str, task: str, repeat: int, solved: bool, **more) -> dict:
    return {"harness": harness, "set": task_set, "task": task, "repeat": repeat, "model": "local",
            "solved": solved, "exit_reason": "done", "model_calls": 4, "input_tokens": 1000,
            "output_tokens": 100, "wall_s": 30.0, **more}  # fmt: skip


NOW = ["core-toolset", "reply-limit"]


def test_a_variant_of_ours_is_named_by_its_name_its_switches_or_their_count() -> None:
    row = run_row("ours", "dev", "csv-count", 0, False)
    assert table.label(row) == "ours"
    assert table.label({**row, "adaptations": "-a,-b,-c"}) == "ours (3 rules switched)"
    assert table.label({**row, "adaptations": "-look-first"}) == "ours (-look-first)"
    assert table.label({**row, "adaptations": "none"}) == "ours (none)"
    named = {**row, "adaptations": "-a,-b,-c", "variant": "lean-minus-x"}  # 3-rule variants differ
    assert table.label(named) == "ours (lean-minus-x)"
    assert table.label({**row, "variant": table.DEFAULTS_VARIANT}) == "ours"  # today's defaults


def test_the_runs_shown_as_ours_had_todays_defaults() -> None:
    """The runs shown as `ours` ran with exactly the rules on by default today for the model
    they ran (adaptations/registry.py), or (`CARRIED_VARIANTS`) without rules switched on
    since that leave their task's request unchanged; each task of both sets three passes."""
    mine = [r for r in table.load_rows() if r["harness"] == "ours" and table.label(r) == "ours"]
    assert {r["set"] for r in mine} == {"dev", "held-out"}
    for row in mine:
        assert not row["checkout"], row["task"]
        today = active_names(profile_of(row["model"], env={}), {})
        if row["variant"] in table.CARRIED_VARIANTS:
            task = all_tasks([row["task"]], task_set=row["set"])[0]
            added = set(today) - set(row["rules"])
            assert added and request_unchanged(task, added, row["model"]), row["task"]
        else:
            assert row["variant"] == table.DEFAULTS_VARIANT, row["task"]
            assert sorted(row["rules"]) == sorted(today), row["task"]
    for name in ("dev", "held-out"):
        for task in all_tasks(task_set=name):
            runs = [r for r in mine if r["set"] == name and r["task"] == task.name]
            assert sorted(r["repeat"] for r in runs) == [0, 1, 2], (name, task.name)


def test_a_run_of_a_carried_variant_is_ours_only_where_its_request_is_todays() -> None:
    today = active_names(profile_of("llamacpp/local", env={}), {})
    row = run_row("ours", "dev", "long-file", 0, True, model="llamacpp/local",
                  variant="pick-in-program", checkout="")  # fmt: skip
    # today's less a rule that adds a line to the note only where it fires
    before = sorted(today - {"pick-in-program"})
    assert table.label({**row, "rules": before}) == "ours"  # its line is not in long-file's
    assert table.label({**row, "task": "largest-file", "rules": before}) == (
        "ours (pick-in-program)"
    )  # it adds a line there
    # the pair switched on since acts on replies and results, not only through the note: no
    # run of a carried variant stands for today's defaults
    for variant in table.CARRIED_VARIANTS:
        rows = [r for r in table.load_rows() if r.get("variant") == variant]
        assert rows and {table.label(r) for r in rows} == {f"ours ({variant})"}, variant


def write(folder: Path, rows: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_the_table_counts_passes_marks_what_no_harness_solves_and_totals_the_sets(
    tmp_path: Path,
) -> None:
    rows = [
        *[run_row("ours", "dev", "csv-count", n, n < 2, rules=NOW) for n in range(3)],
        *[run_row("mini", "dev", "csv-count", n, n == 0) for n in range(3)],
        *[run_row("ours", "dev", "fix-bug", n, False, rules=NOW) for n in range(3)],
        *[run_row("mini", "dev", "fix-bug", n, False, exit_reason="crash: X") for n in range(3)],
        run_row("smolagents", "held-out", "macro-f1", 0, True, input_tokens=3000),
        run_row("ours", "held-out", "macro-f1", 0, False, rules=NOW),
        run_row("ours", "held-out", "chunk-bug", 0, False, rules=NOW),
        run_row("ours", "dev", "csv-count", 0, True, adaptations="none"),
        run_row("mini-text", "dev", "csv-count", 0, False, exit_reason="missing: no mini venv"),
    ]
    write(tmp_path, rows)
    lines = table.harness_table(table.load_rows(tmp_path)).splitlines()
    head = "| task | ours | ours (none) | mini | smolagents | |"
    dev = lines.index("### dev: " + f"{len(table.all_tasks(task_set='dev'))} tasks")
    assert lines[dev + 2] == head  # mini-text is missing, not run: no column
    assert "| csv-count | 2/3 | 1/1 | 1/3 | - | |" in lines
    assert "| fix-bug | 0/3 | - | 0/3 | - | beyond the model |" in lines
    assert "| final-metric | - | - | - | - | |" in lines  # run by none: nothing said
    totals = "| **solved** | 1 of 2 | 1 of 1 | 1 of 2 | - | reachable: 1 |"
    assert totals in lines
    assert "| **runs solved** | 2/6 | 1/1 | 1/6 | - | |" in lines
    assert "| median tokens a run | 1,100 | 1,100 | 1,100 | - | |" in lines
    assert "| macro-f1 | 0/1 | - | - | 1/1 | |" in lines
    assert "| chunk-bug | 0/1 | - | - | - | beyond the model |" in lines
    assert "| **share of reachable** | 0/1 | - | - | 1/1 | |" in lines  # held-out
    assert "| median tokens a run | 1,100 | - | - | 3,100 | |" in lines
    both = lines.index(next(x for x in lines if x.startswith("### Both sets")))
    assert lines[both].endswith(", 2 reachable")
    assert lines[both + 4] == "| solved | 1 of 4 | 1 of 1 | 1 of 2 | 1 of 1 |"
    assert lines[both + 5] == "| share of reachable | 1/2 | 1/2 | 1/2 | 1/2 |"


def test_tokens_are_compared_on_the_tasks_ours_solves() -> None:
    """Each harness's median tokens a run on the tasks ours solved in some pass, so ours can
    be read against the peers' median where it succeeds (a task ours never solves is left out)."""
    rows = [
        run_row("ours", "dev", "csv-count", 0, True, input_tokens=5000),
        run_row("ours", "dev", "csv-count", 1, False, input_tokens=7000),
        run_row("ours", "dev", "fix-bug", 0, False, input_tokens=90_000),
        run_row("mini", "dev", "csv-count", 0, False, input_tokens=2000),
        run_row("mini", "dev", "fix-bug", 0, False, input_tokens=400),
        run_row("smolagents", "dev", "fix-bug", 0, False),
    ]
    lines = table.harness_table(rows).splitlines()
    assert "| median tokens a run | 7,100 | 1,300 | 1,100 | |" in lines
    assert f"| {table.OURS_SOLVED} | 6,100 | 2,100 | - | |" in lines
    nothing = table.harness_table([r for r in rows if not r["solved"]])
    assert table.OURS_SOLVED not in nothing


def test_a_run_whose_calls_the_server_refused_has_no_token_figure() -> None:
    """A request over the server's window is refused (400) and counted nowhere on the wire:
    such a run's tokens are unknown, not 0, so a harness that never reached the model does not
    read as the cheapest. A run that made no call spent 0."""
    rows = [
        run_row("ours", "dev", "csv-count", 0, True, input_tokens=5000),
        run_row(
            "original", "dev", "csv-count", 0, False, model_calls=1, input_tokens=0, output_tokens=0
        ),
        run_row(
            "mini", "dev", "csv-count", 0, False, model_calls=0, input_tokens=0, output_tokens=0
        ),
    ]
    lines = table.harness_table(rows).splitlines()
    assert "| median tokens a run | 5,100 | - | 0 | |" in lines
    assert f"| {table.OURS_SOLVED} | 5,100 | - | 0 | |" in lines
    assert "| median calls a run | 4 | 1 | 0 | |" in lines


def test_ours_variants_get_their_own_table_so_each_fits_the_page() -> None:
    rows = [
        run_row("ours", "dev", "csv-count", 0, True),
        run_row("ours", "dev", "csv-count", 0, False, adaptations="-a,-b,-c", variant="lean-x"),
        run_row("mini", "dev", "csv-count", 0, False),
    ]
    peers, _, variants = table.benchmark_tables(rows).partition("### dev, ours and its variants")
    assert "| task | ours | mini | |" in peers and "lean-x" not in peers
    assert "| task | ours | lean-x | |" in variants and "mini" not in variants
    assert "| **solved** | 1 of 1 | 0 of 1 | reachable: 1 |" in variants
    sampled = run_row("ours", "dev", "csv-count", 0, False, variant="lean-request-t0.8")
    assert "| task | ours | t0.8 | lean-x | |" in table.benchmark_tables([*rows, sampled])
    elsewhere = run_row("ours", "dev", "csv-count", 0, False, variant="w", checkout="/tmp/wt/a")
    assert "| task | ours | lean-x | w @ a | |" in table.benchmark_tables([*rows, elsewhere])
    many = [run_row("ours", "dev", "csv-count", 0, False, variant=f"v{n}") for n in range(7)]
    split = table.benchmark_tables([*rows, *many]).split("### dev, ours and its variants")
    assert "| task | ours | lean-x | v0 | v1 | v2 | v3 | |" in split[1]  # five a table
    assert "| task | ours | v4 | v5 | v6 | |" in split[2]
    only_ours = table.benchmark_tables(rows[::2])  # no variant: one table
    assert "ours and its variants" not in only_ours
    wide = [run_row("ours", "dev", "csv-count", 0, False, variant=f"{n}-" + "w" * 20)
            for n in range(4)]  # fmt: skip
    page = table.benchmark_tables([*rows, *wide])
    assert all(len(line) <= table.PAGE for line in page.splitlines()), "a line over the page"
    assert page.count("### dev, ours and its variants") == 2  # three fit, not five


def test_a_broken_row_is_named_by_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps(run_row("ours", "dev", "t", 0, True)) + "\n{}\n")
    with pytest.raises(ValueError, match=r"a\.jsonl:2: not a run's row"):
        table.load_rows(tmp_path)


def test_the_page_gets_the_table_between_its_markers(tmp_path: Path) -> None:
    write(tmp_path, [run_row("ours", "dev", "csv-count", 0, True)])
    page = f"# Benchmarks\n\nprose\n\n{report.HARNESS_BEGIN}\nold\n{report.HARNESS_END}\nafter\n"
    rendered = report.benchmarks_with_table(page, tmp_path)
    assert rendered.startswith("# Benchmarks\n\nprose\n") and rendered.endswith("-->\nafter\n")
    assert "| csv-count | 1/1 |" in rendered and "\nold\n" not in rendered
    assert "No runs recorded yet" in report.benchmarks_with_table(page, tmp_path / "empty")
    with pytest.raises(ValueError, match="lacks the markers"):
        report.benchmarks_with_table("# no markers\n", tmp_path)
