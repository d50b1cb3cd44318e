"""Moves a sweep's new rows into the kept data: each row of RUNS that no file under the results
folder (its set-aside files included) holds yet goes to KEPT, or to ASIDE when the machine
starved it (bench/ml_tasks/README.md: it ended at the time limit while the model generated under
`STARVED_TOK_S` tokens a second). A run starved once before and now ending at the time limit
again with nothing beside the model server (1-minute load at most `QUIET_LOAD`) is kept: the
pace is the harness's own. A row is one run by its harness and its switches (variant,
adaptations, checkout), set, task, repeat and wall time.

    uv run python -m bench.ml_tasks.ingest RUNS KEPT ASIDE [--write] [--results DIR]

Without `--write` it only prints what it would do, a line a new row.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.ml_tasks.table import ROWS

STARVED_TOK_S = 8.5
QUIET_LOAD = 2.5
TIMED_OUT = ("timeout", "time limit")
SET_ASIDE = "set-aside"


def run_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """What names one run across files (a run done again has another wall time; runs of two
    variants may end at the same time limit, to the tenth of a second); its last item is the
    wall time."""
    switches = tuple(str(row.get(k) or "") for k in ("variant", "adaptations", "checkout"))
    where = (row["harness"], row.get("set"), row["task"], row.get("repeat"))
    return (*where, *switches, row.get("wall_s"))


def rows_of(paths: Iterable[Path]) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def starved(row: dict[str, Any], starved_before: set[tuple[Any, ...]]) -> bool:
    """The row's run ended at the time limit while the model generated slower than a quiet
    machine lets it, and is not a second such end with nothing else running."""
    if row.get("exit_reason") not in TIMED_OUT or (row.get("gen_tok_s") or 0) >= STARVED_TOK_S:
        return False
    quiet = row.get("load") is not None and row["load"] <= QUIET_LOAD
    return not (run_key(row)[:-1] in starved_before and quiet)


def sort_new(
    runs: Sequence[dict[str, Any]], results: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of `runs` no file under `results` holds: (kept, set aside as starved)."""
    held = rows_of(results.glob("*.jsonl"))
    aside_files = sorted((results / SET_ASIDE).glob("*.jsonl"))
    held += rows_of(aside_files)
    starved_before = {
        run_key(row)[:-1] for row in rows_of(p for p in aside_files if "starved" in p.name)
    }
    known = {run_key(row) for row in held}
    kept: list[dict[str, Any]] = []
    aside: list[dict[str, Any]] = []
    for row in runs:
        if run_key(row) in known:
            continue
        known.add(run_key(row))
        (aside if starved(row, starved_before) else kept).append(row)
    return kept, aside


def append(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        with path.open("a", encoding="utf-8") as out:
            out.writelines(json.dumps(row) + "\n" for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", type=Path, help="the sweep's rows (run.py --out)")
    parser.add_argument("kept", type=Path, help="the results file new kept rows go to")
    parser.add_argument("aside", type=Path, help="the set-aside file starved rows go to")
    parser.add_argument("--write", action="store_true", help="append them (else only print)")
    parser.add_argument("--results", type=Path, default=ROWS, help="the kept rows' folder")
    args = parser.parse_args(argv)
    kept, aside = sort_new(rows_of([args.runs]), args.results)
    for verdict, rows in (("keep", kept), ("aside", aside)):
        for row in rows:
            figures = [row.get(k) for k in ("solved", "exit_reason", "wall_s", "gen_tok_s", "load")]
            print(verdict, *run_key(row)[:4], *figures)
    if args.write:
        append(args.kept, kept)
        append(args.aside, aside)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
