"""A run's row in the data file: what names the run, the harness's own figures, and the runs a
file already holds (bench/ml_tasks/run.py resumes a pass by them)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.ml_tasks import peers as peer_agents
from bench.ml_tasks.tasks import Task

# The variant of ours whose runs had today's defaults (adaptations/registry.py: the steering
# set's `LEAN_SET` off, `lean-request`, `table-example`, `pick-in-program`, the pair
# `kept-lines` with `settings-made` and `resample-repeat` on; tests/bench/test_ml_tasks_table.py
# holds its rows to them): the table shows it as `ours`.
DEFAULTS_VARIANT = "resample-alone"

UNCOUNTED = {"model_calls": None, "input_tokens": None, "output_tokens": None, "cost_usd": None}


def harness_row(
    harness: str, stdout: str, stderr: str, timed_out: bool, result: Path
) -> dict[str, Any]:
    """The answer and figures the harness itself gave (the wire's counts are added after)."""
    if harness == "ours":
        found = ours_result(stdout)
        if found["exit_reason"] == "no result" and not timed_out:  # it said why on stderr
            found["exit_reason"] = peer_agents.outcome(result, stderr, False)["exit_reason"]
        return found
    if harness in peer_agents.PEERS:
        return {**peer_agents.outcome(result, stderr, timed_out), **UNCOUNTED}
    return {"answer": "", "exit_reason": "exit", **UNCOUNTED}


def ours_result(stdout: str) -> dict[str, Any]:
    """Answer and figures from our stream-json: the result line and one usage event a call;
    `fired`, the rules for weaker models whose hooks acted, `{rule: steps}` (None from a
    version that did not report them)."""
    lines = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    result = next((x for x in lines if x.get("type") == "result"), {})
    usage = result.get("usage") or {}
    return {
        "answer": str(result.get("result") or ""),
        "exit_reason": result.get("exit_reason") or result.get("error") or "no result",
        "model_calls": sum(x.get("type") == "usage" for x in lines),
        "input_tokens": usage.get("input_tokens"),
        "output_tokens": usage.get("output_tokens"),
        "cost_usd": usage.get("cost_usd"),
        "fired": result.get("rules_fired"),
    }


def switches(spec: str, model: str) -> dict[str, dict[str, bool]]:
    """The config's `"adaptations"` for `--adaptations SPEC` (`default`, `none`, or
    `-RULE`/`+RULE` items: switched off/on); ValueError naming a bad one."""
    from adaptations.registry import NAMES

    if spec == "default":
        return {}
    if spec == "none":
        return {model: dict.fromkeys(NAMES, False)}
    names = [part.strip() for part in spec.split(",")]
    if not all(name[:1] in "+-" and name[1:] for name in names):
        raise ValueError(f"--adaptations takes default, none or ±RULE[,±RULE]; got {spec!r}")
    unknown = sorted({name[1:] for name in names} - set(NAMES))
    if unknown:
        raise ValueError(f"unknown rule {', '.join(unknown)}; known: {', '.join(NAMES)}")
    return {model: {name[1:]: name[0] == "+" for name in names}}


def active_rules(spec: str, model: str) -> list[str]:
    """The rules active in a run of this checkout: the model id's profile (as it resolves
    without asking its server for a window) with the run's switches."""
    from adaptations.resolve import active_names
    from configs.model_profile import profile_of

    return sorted(active_names(profile_of(model, env={}), switches(spec, model)))


def row_head(task: Task, args: argparse.Namespace, repeat: int) -> dict[str, Any]:
    """What names a run in a row: harness, set, task, repeat, model, and the variant (for
    ours of this checkout, the rules active: bench/ml_tasks/rule_lift.py reads them)."""
    head = {"harness": args.harness, "set": args.set, "task": task.name, "repeat": repeat,
            "model": args.model}  # fmt: skip
    if args.harness == "ours":
        head.update(adaptations=args.adaptations, checkout=str(args.checkout or ""))
        if getattr(args, "variant", None):
            head["variant"] = args.variant
        if getattr(args, "temperature", None) is not None:
            head["temperature"] = args.temperature
        if not args.checkout:
            head["rules"] = active_rules(args.adaptations, args.model)
    if args.harness in peer_agents.PEERS:
        head["peer"] = peer_agents.PEERS[args.harness].pin
    return head


RUN_KEYS = ("harness", "set", "task", "repeat", "model", "adaptations", "checkout", "temperature")


def run_key(row: dict[str, Any]) -> tuple[str, ...]:
    """A row's run: the same key is the same run (resuming skips it)."""
    return tuple("" if row.get(key) is None else str(row.get(key)) for key in RUN_KEYS)


def recorded(out: Path | None) -> dict[tuple[str, ...], dict[str, Any]]:
    """The runs `out` holds already, by run_key (rows of a missing peer left out: they are
    run again once it is installed); lines that are not rows are ignored."""
    found: dict[tuple[str, ...], dict[str, Any]] = {}
    if out is None or not out.is_file():
        return found
    for line in out.read_text().splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and not str(row.get("exit_reason", "")).startswith("missing"):
            found[run_key(row)] = row
    return found
