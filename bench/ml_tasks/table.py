"""The task x harness table of the ML-task benchmark, from its runs recorded as rows.

Rows are what `bench/ml_tasks/run.py --out FILE` appends (one JSON object a run); the table
reads every `*.jsonl` under bench/ml_tasks/results/. Per set: each task's cell is "solved in k
of n passes" for each harness; a task that some harness ran and none solved in any pass is
marked *beyond the model*, and a harness's total is read against the *reachable* tasks (those
some harness solves in some pass). Then the totals on the union of the sets. Rows of a peer
that was not installed (`exit_reason` "missing: ...") are not runs and are left out.
"""

from __future__ import annotations

import functools
import json
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.ml_tasks.rows import DEFAULTS_VARIANT
from bench.ml_tasks.same_request import request_unchanged, todays_defaults
from bench.ml_tasks.tasks import SETS, TaskSet, all_tasks

ROWS = Path(__file__).resolve().parent / "results"
ORDER = ("ours", "original", "mini", "mini-text", "smolagents")
# The variants that had today's defaults before a rule was switched on (`pick-in-program`
# before the pair `kept-lines` with `settings-made`, `table-example` before `pick-in-program`,
# `lean-request` before `table-example`): their runs of a task whose request the rules switched
# on since leave as it was (bench/ml_tasks/same_request.py) are shown as `ours` too; their runs
# of the others keep their names.
CARRIED_VARIANTS = ("pick-in-program", "table-example", "lean-request")
BEYOND = "beyond the model"
VARIANTS_A_TABLE = 5
PAGE = 100  # characters a line of docs/benchmarks.md may take
# Each harness's median tokens a run on the tasks ours solves in some pass (issue 62's goal:
# ours at most the peers' median there).
OURS_SOLVED = "median tokens, ours' tasks"


def load_rows(folder: Path = ROWS) -> list[dict[str, Any]]:
    """Every run recorded under `folder`; a line that is not a row is named by file and line."""
    rows: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
                row["task"], row["set"], row["harness"], bool(row["solved"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a run's row ({exc})") from exc
            if not str(row.get("exit_reason", "")).startswith("missing"):
                rows.append(row)
    return rows


def label(row: dict[str, Any]) -> str:
    """The table's column for a row: its harness, and for ours a variant other than today's
    defaults (named by the run's `variant`, else by its switches, or by their count when it
    switches more than two)."""
    name = str(row["harness"])
    spec = str(row.get("adaptations") or "default")
    if name == "ours" and (row.get("variant") == DEFAULTS_VARIANT or carried(row)):
        pass
    elif name == "ours" and row.get("variant"):
        name += f" ({row['variant']})"
    elif name == "ours" and spec != "default":
        switched = spec.split(",")
        name += f" ({spec})" if len(switched) <= 2 else f" ({len(switched)} rules switched)"
    if name.startswith("ours") and row.get("checkout"):
        name += f" @ {Path(str(row['checkout'])).name}"
    return name


def carried(row: dict[str, Any]) -> bool:
    """A run of one of `CARRIED_VARIANTS` (this checkout's) on a task whose request the rules
    on by default since its run leave unchanged: it stands for today's defaults."""
    carried_variant = row.get("variant") in CARRIED_VARIANTS
    if not carried_variant or row.get("checkout") or row["harness"] != "ours":
        return False
    had = frozenset(row.get("rules") or ())
    return _stands_for_defaults(str(row["model"]), row["set"], row["task"], had)


@functools.cache
def _stands_for_defaults(model: str, task_set: TaskSet, task: str, had: frozenset[str]) -> bool:
    """Whether a run of `task` with the rules `had` on stands for today's defaults on `model`.
    Cached: `label` asks it for every row each time a table is drawn (~60,000 asks a page)."""
    today = todays_defaults(model)
    if not had or not had <= today:
        return False
    found = all_tasks([task], task_set=task_set)[0]
    return request_unchanged(found, today - had, model)


def columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    found = {label(r) for r in rows}
    return sorted(found, key=lambda n: (next((i for i, o in enumerate(ORDER) if n.startswith(o)),
                                              len(ORDER)), n))  # fmt: skip


def passes(
    rows: Sequence[dict[str, Any]], harness: str, task_set: str, task: str
) -> tuple[int, int]:
    """(passes solved, passes run) of `harness` on one task."""
    mine = [r for r in rows if label(r) == harness and r["set"] == task_set and r["task"] == task]
    return sum(bool(r["solved"]) for r in mine), len(mine)


def benchmark_tables(rows: Sequence[dict[str, Any]], sets: Sequence[TaskSet] = SETS) -> str:
    """The harnesses' table (ours at its default beside the peers), then ours at its default
    beside its variants, at most VARIANTS_A_TABLE at a time and as many as fit the page."""
    variants = [r for r in rows if r["harness"] == "ours"]
    if not rows or len(columns(variants)) < 2:
        return harness_table(rows, sets)
    harnesses = [r for r in rows if r["harness"] != "ours" or label(r) == "ours"]
    others = [n for n in columns(variants) if n != "ours"]
    tables = [harness_table(harnesses, sets)]
    for group in variant_groups(others):
        shown = {"ours", *group}
        tables.append(harness_table([r for r in variants if label(r) in shown], sets, of_ours=True))
    return "\n".join(tables)


def variant_groups(names: Sequence[str]) -> list[list[str]]:
    """`names` in order, in tables of at most VARIANTS_A_TABLE whose head line (a variant's
    head beside `task` and `ours`) fits the page's PAGE characters."""
    groups: list[list[str]] = []
    for name in names:
        trial = [*(groups[-1] if groups else []), name]
        cells = ["task", "ours", *(head(n, of_ours=True) for n in trial), ""]
        fits = len(trial) <= VARIANTS_A_TABLE and len("| " + " | ".join(cells) + " |") <= PAGE
        if groups and fits:
            groups[-1].append(name)
        else:
            groups.append([name])
    return groups


def head(name: str, of_ours: bool) -> str:
    """A column's head: in the variants' table, a variant's name alone, shortened so the
    table fits the page (`lean-minus-X`: `no X`, ours without X; `N rules switched`: `N off`;
    `<today's defaults>-X`: `X`, today's (or the carried) defaults with X, e.g. `t0.8`; a
    variant run from another checkout keeps its `@ checkout`)."""
    variant, at, checkout = name.partition(" @ ")
    if of_ours and variant.startswith("ours (") and variant.endswith(")"):
        short = variant[len("ours (") : -1].replace("lean-minus-", "no ")
        for defaults in (DEFAULTS_VARIANT, *CARRIED_VARIANTS):
            short = short.removeprefix(defaults + "-")
        return short.replace(" rules switched", " off") + at + checkout
    return name


def harness_table(
    rows: Sequence[dict[str, Any]], sets: Sequence[TaskSet] = SETS, of_ours: bool = False
) -> str:
    """The markdown: one table a set, then the totals on the union of the sets (`of_ours`:
    the table of ours and its variants, its headings saying so)."""
    if not rows:
        return "No runs recorded yet under `bench/ml_tasks/results/`.\n"
    names = columns(rows)
    heads = [head(n, of_ours) for n in names]
    whose = ", ours and its variants" if of_ours else ""
    models = sorted({str(r.get("model") or "?") for r in rows})
    out = [f"Model: {', '.join(f'`{m}`' for m in models)}. A cell is the passes solved of the "
           "passes run; `-`: not run.\nA task counts as solved when some pass solved it.\n"]  # fmt: skip
    union: dict[str, list[int]] = {n: [0, 0] for n in names}  # tasks solved, tasks run
    reachable_all = tasks_all = 0
    for task_set in sets:
        tasks = [t.name for t in all_tasks(task_set=task_set)]
        if not any(r["set"] == task_set for r in rows):
            continue
        out.append(f"### {task_set}{whose}: {len(tasks)} tasks\n")
        out.append("| task | " + " | ".join(heads) + " | |")
        out.append("|---" * (len(names) + 2) + "|")
        solved_by: dict[str, set[str]] = {n: set() for n in names}
        reachable = 0
        for task in tasks:
            cells, any_run, any_solved = [], False, False
            for name in names:
                won, ran = passes(rows, name, task_set, task)
                cells.append(f"{won}/{ran}" if ran else "-")
                any_run, any_solved = any_run or ran > 0, any_solved or won > 0
                if won:
                    solved_by[name].add(task)
            reachable += any_solved
            mark = BEYOND if any_run and not any_solved else ""
            out.append("| " + " | ".join([task, *cells, mark]).rstrip() + " |")
        ran_by = {n: {r["task"] for r in rows if label(r) == n and r["set"] == task_set}
                  for n in names}  # fmt: skip
        totals = [of(len(solved_by[n]), len(ran_by[n])) for n in names]
        out.append("| **solved** | " + " | ".join(totals)
                   + f" | reachable: {reachable} |")  # fmt: skip
        out.append("| **share of reachable** | "
                   + " | ".join(share(len(solved_by[n]), reachable, len(ran_by[n]))
                                for n in names) + " | |")  # fmt: skip
        out.append("| **runs solved** | " + " | ".join(runs_solved(rows, n, task_set)
                                                         for n in names) + " | |")  # fmt: skip
        for title, key in (("median calls a run", calls), ("median tokens a run", tokens),
                           ("median wall s a run", wall)):  # fmt: skip
            out.append(f"| {title} | " + " | ".join(
                median_of(rows, n, task_set, key) for n in names) + " | |")  # fmt: skip
        out += tokens_where_ours_solves(rows, names, task_set, solved_by)
        out.append("")
        for n in names:
            union[n][0] += len(solved_by[n])
            union[n][1] += len(ran_by[n])
        reachable_all += reachable
        tasks_all += len(tasks)
    out.append(f"### Both sets{whose}: {tasks_all} tasks, {reachable_all} reachable\n")
    out += both_sets(names, heads, union, reachable_all)
    return "\n".join(out) + "\n"


def tokens_where_ours_solves(rows: Sequence[dict[str, Any]], names: Sequence[str],
                             task_set: str, solved_by: dict[str, set[str]]) -> list[str]:  # fmt: skip
    """The `OURS_SOLVED` row when ours is a column and solved some task of the set, else none."""
    kept = [r for r in rows if r["task"] in solved_by.get("ours", set())]
    if not names or names[0] != "ours" or not kept:
        return []
    cells = " | ".join(median_of(kept, n, task_set, tokens) for n in names)
    return [f"| {OURS_SOLVED} | {cells} | |"]


def both_sets(names: Sequence[str], heads: Sequence[str], union: dict[str, list[int]],
              reachable: int) -> list[str]:  # fmt: skip
    """The union's table: each harness's tasks solved of run, and of the reachable ones."""
    return [
        "| | " + " | ".join(heads) + " |",
        "|---" * (len(names) + 1) + "|",
        "| solved | " + " | ".join(of(*union[n]) for n in names) + " |",
        "| share of reachable | "
        + " | ".join(share(union[n][0], reachable, union[n][1]) for n in names)
        + " |",
    ]


def of(solved: int, ran: int) -> str:
    return f"{solved} of {ran}" if ran else "-"


def share(solved: int, reachable: int, ran: int) -> str:
    """A harness's solved tasks of the reachable ones ("-" when it ran none or none is)."""
    return f"{solved}/{reachable}" if reachable and ran else "-"


def runs_solved(rows: Sequence[dict[str, Any]], name: str, task_set: str) -> str:
    mine = [r for r in rows if label(r) == name and r["set"] == task_set]
    return f"{sum(bool(r['solved']) for r in mine)}/{len(mine)}" if mine else "-"


def calls(row: dict[str, Any]) -> float | None:
    return row.get("model_calls")


def tokens(row: dict[str, Any]) -> float | None:
    """A run's tokens counted on the wire; None when unknown: a count missing, or calls made
    and none answered with a count (a server refuses a request over its window and counts
    nothing: the original's first request is over 9,216 tokens)."""
    known = [row.get("input_tokens"), row.get("output_tokens")]
    if None in known or (row.get("model_calls") and not known[0]):
        return None
    return sum(known)  # type: ignore[arg-type]


def wall(row: dict[str, Any]) -> float | None:
    return row.get("wall_s")


def median_of(rows: Sequence[dict[str, Any]], name: str, task_set: str, key: Any) -> str:
    known = [v for r in rows if label(r) == name and r["set"] == task_set
             if (v := key(r)) is not None]  # fmt: skip
    if not known:
        return "-"
    value = statistics.median(known)
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:.1f}"
