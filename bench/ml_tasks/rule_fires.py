"""Which rules fired in runs: recorded, where a row holds its run's `fired` counts (the
headless result's `rules_fired`, bench/ml_tasks/rows.py), else inferred from the requests
kept for the run: the per-rule evidence of runs taken before runs recorded their counts.

    uv run python bench/ml_tasks/rule_fires.py \\
        --exchanges ~/ml-intern-peers/runs/exchanges/dev-ours/ours \\
        --rows bench/ml_tasks/results/2026-11-26-dev-ours.jsonl \\
        --out bench/ml_tasks/results/2026-11-26-dev-ours-fires.json

A run is a folder `<task>/<repeat>/` of `NN-request.json` (what `--keep-exchanges` keeps).
A rule *fired* in a run when one of its catalogue texts (its registry entry's `texts`, each a
template whose `{placeholders}` match anything) is in a message of any request of the run;
its *notes* are the distinct message texts it is found in. A rule whose text is in every
request (a prompt addition) fires in every run. A rule that adds no fixed text (it shapes,
sizes or reorders what the model reads) cannot be seen this way: `inferable` is false and
its counts are None. A recorded run counts every rule, shaping ones too: its *notes* are the
steps it acted in (adaptations/loops.py). Recorded counts are preferred; `recorded` says how
many runs had them, and a rule that adds no fixed text is known only when every run was
recorded. Solved runs are those the rows file marks solved. Read-only: it opens the exchanges
and the rows, writes only `--out`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# A placeholder matches this much text at most: a note names files, numbers, a result.
SPAN = r"[\s\S]{0,4000}?"


def pattern(text: str) -> re.Pattern[str]:
    """A template as a regular expression: its literal parts, each placeholder any text."""
    literal = [part.replace("{{", "{").replace("}}", "}") for part in PLACEHOLDER.split(text)]
    return re.compile(SPAN.join(re.escape(part) for part in literal))


def rule_patterns() -> dict[str, list[re.Pattern[str]]]:
    """Each registry rule's texts as patterns ([] for a rule that adds no fixed text)."""
    from adaptations.registry import RULES
    from cli.models import template_of

    return {rule.name: [pattern(template_of(ref)) for ref in rule.texts] for rule in RULES}


def message_texts(request: Mapping[str, Any]) -> list[str]:
    """The text of each message a request sent (its content, string or parts)."""
    texts = []
    for message in request.get("messages") or ():
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        texts.append(str(content or ""))
    return texts


def run_fires(folder: Path, patterns: Mapping[str, Sequence[re.Pattern[str]]]) -> dict[str, int]:
    """{rule: notes} for the rules found in one run's requests (distinct message texts)."""
    seen: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*-request.json")):
        body = path.read_text(encoding="utf-8").strip()
        if not body:  # a request without a body (the server's model list)
            continue
        for text in message_texts(json.loads(body)):
            for rule, found in patterns.items():
                if any(p.search(text) for p in found):
                    seen.setdefault(rule, set()).add(text)
    return {rule: len(texts) for rule, texts in seen.items()}


def solved_runs(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], bool]:
    return {(str(r["task"]), int(r.get("repeat", 0))): bool(r["solved"]) for r in rows}


def recorded_fires(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], dict[str, int]]:
    """{run: {rule: steps}} for the rows that recorded their `fired` counts."""
    return {
        (str(r["task"]), int(r.get("repeat", 0))): {str(k): int(v) for k, v in r["fired"].items()}
        for r in rows
        if isinstance(r.get("fired"), Mapping)
    }


def fires(exchanges: Path | None, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per rule: the runs it fired in, the solved runs it fired in, its notes; and the runs.
    A run's recorded counts are taken over what its kept requests show."""
    rows = list(rows)
    patterns = rule_patterns()
    solved = solved_runs(rows)
    recorded = recorded_fires(rows)
    folders = [] if exchanges is None else sorted(p for p in exchanges.iterdir() if p.is_dir())
    runs = {
        (task.name, int(rep.name)): run_fires(rep, patterns)
        for task in folders
        for rep in sorted(p for p in task.iterdir() if p.is_dir() and p.name.isdigit())
        if (task.name, int(rep.name)) not in recorded
    } | recorded
    counted = [key for key in runs if key in solved]
    every_run_recorded = all(key in recorded for key in counted)
    table = {}
    for rule, found in patterns.items():
        if not found and not every_run_recorded:
            table[rule] = {"inferable": False, "runs": None, "solved_runs": None, "notes": None}
            continue
        hit = [key for key in counted if rule in runs[key]]
        table[rule] = {
            "inferable": bool(found),
            "runs": len(hit),
            "solved_runs": sum(solved[key] for key in hit),
            "notes": sum(runs[key][rule] for key in hit),
        }
    return {
        "runs": len(counted),
        "solved": sum(solved[key] for key in counted),
        "recorded": sum(key in recorded for key in counted),
        "unmatched": sorted(f"{t}/{r}" for t, r in runs if (t, r) not in solved),
        "rules": table,
    }


def as_table(found: Mapping[str, Any]) -> str:
    width = max(len(name) for name in found["rules"])
    lines = [
        f"{found['runs']} runs, {found['solved']} solved, {found.get('recorded', 0)} recorded",
        f"{'rule':<{width}}  fired in runs  in solved runs  notes",
    ]
    for name, r in found["rules"].items():
        if r["runs"] is None:
            lines.append(f"{name:<{width}}  -              -               (adds no fixed text)")
            continue
        lines.append(f"{name:<{width}}  {r['runs']:>13}  {r['solved_runs']:>14}  {r['notes']:>5}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=Path, help="<task>/<repeat>/ runs kept")
    parser.add_argument("--rows", type=Path, required=True, help="the runs' rows (JSONL)")
    parser.add_argument("--out", type=Path, help="write the counts here (JSON)")
    args = parser.parse_args(argv)
    lines = args.rows.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    found = fires(args.exchanges.expanduser() if args.exchanges else None, rows)
    if args.out:
        source = {"exchanges": str(args.exchanges), "rows": str(args.rows)}
        args.out.write_text(json.dumps(source | found, indent=1) + "\n", encoding="utf-8")
    print(as_table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
