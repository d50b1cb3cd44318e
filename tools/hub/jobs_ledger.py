"""What a started job tells the experiment ledger: one `experiment_started` event.

`hf_jobs` announces each job it starts on the call's stream, with what a comparison needs
(the script's hash and text, the arguments, the hardware and its price, the datasets and
models the script names). The ledger (graph/experiments.py) listens on that stream; the log
lines and the `job_finished` event that follow the job feed the same run. Secret values are
never in it: the environment is named, not copied, and the stream masks known secrets.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from tools.call_context import CallContext
from tools.hub.client import call_hub, hub_api

LISTENS = "hears_experiments"  # set on a stream writer that records runs (RunRecorder)
ARGS = ("operation", "script_args", "dependencies", "python", "image", "command", "timeout")
_DATASET = re.compile(r"""load_dataset\(\s*['"]([\w.-]+/[\w.-]+)['"]""")
_MODEL = re.compile(
    r"""from_pretrained\(\s*['"]([\w.-]+/[\w.-]+)['"]|model\s*=\s*['"]([\w.-]+/[\w.-]+)['"]"""
)
_PUSHED = re.compile(r"""hub_model_id\s*=\s*['"]([\w.-]+/[\w.-]+)['"]""")
_TRACKIO_INIT = re.compile(r"trackio\.init\(([^)]{0,400})\)")
_KWARG = r"""\b{}\s*=\s*['"]([\w./-]+)['"]"""
_ARG_DEFAULT = r"""add_argument\(\s*['"]{}['"][^)]{{0,200}}?default\s*=\s*['"]([\w./-]+)['"]"""
# Where a job names its Trackio run: flags (the Trainer's `project`, `trackio_space_id`,
# `run_name`, and the skills' spellings), then environment variables, then the script.
TRACKIO_FLAGS = {
    "trackio_project": ("--project", "--trackio-project", "--trackio_project"),
    "trackio_space": ("--trackio-space-id", "--trackio_space_id"),
    "trackio_run": ("--run-name", "--run_name", "--trackio-run"),
}
TRACKIO_ENV = {"trackio_project": "TRACKIO_PROJECT", "trackio_space": "TRACKIO_SPACE_ID"}
TRACKIO_INIT = {"trackio_project": "project", "trackio_space": "space_id", "trackio_run": "name"}
REPORT_TO = ("--report-to", "--report_to")


async def price_per_hour(flavor: str) -> float | None:
    """The flavor's USD price per hour from the Hub's hardware list; None when unknown."""
    try:
        items = await call_hub("Listing hardware", hub_api().list_jobs_hardware)
    except Exception:  # a price is nice to have; the job runs anyway
        return None
    for hw in items:
        if hw.name == flavor:
            return float(hw.unit_cost_usd) * (60 if hw.unit_label == "minute" else 1)
    return None


def script_facts(source: str) -> dict[str, Any]:
    """Hash, datasets, models and outputs a script names (by pattern; a hint, not a parse)."""
    models = {m for pair in _MODEL.findall(source) for m in pair if m}
    outputs: dict[str, Any] = {}
    if pushed := _PUSHED.findall(source):
        outputs["hub_repo"] = pushed[-1]
    return {
        "script_sha256": hashlib.sha256(source.encode()).hexdigest() if source else None,
        "datasets": sorted(set(_DATASET.findall(source))),
        "models": sorted(models),
        "outputs": outputs,
    }


def flag_values(script_args: Any) -> dict[str, str]:
    """`--flag value` and `--flag=value` pairs of a job's script arguments."""
    items = [str(a) for a in script_args] if isinstance(script_args, list | tuple) else []
    found: dict[str, str] = {}
    for i, item in enumerate(items):
        flag, eq, value = item.partition("=")
        if flag.startswith("--"):
            if eq:
                found[flag] = value
            elif i + 1 < len(items) and not items[i + 1].startswith("--"):
                found[flag] = items[i + 1]
    return found


def trackio_target(args: Mapping[str, Any], source: str) -> dict[str, str]:
    """The Trackio project, dashboard Space and run a job logs to, as far as its arguments,
    environment and script say ({} when it names no project, or reports elsewhere)."""
    flags = flag_values(args.get("script_args"))
    env = args.get("env") if isinstance(args.get("env"), Mapping) else {}
    report_to = next((flags[f] for f in REPORT_TO if f in flags), None)
    init = " ".join(_TRACKIO_INIT.findall(source))
    found: dict[str, str] = {}
    for key, names in TRACKIO_FLAGS.items():
        given = next((flags[n] for n in names if n in flags), None)
        given = given or (env.get(TRACKIO_ENV[key]) if key in TRACKIO_ENV else None)
        for name in names:  # the script's own default for the flag
            given = given or _first(_ARG_DEFAULT.format(re.escape(name)), source)
        given = given or _first(_KWARG.format(TRACKIO_INIT[key]), init)
        if given:
            found[key] = str(given)
    named = report_to is not None and "trackio" in report_to
    uses_trackio = named or (
        report_to is None and ("trackio" in source or "TRACKIO_PROJECT" in env)
    )
    return found if uses_trackio and "trackio_project" in found else {}


def _first(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1) if match else None


def run_name(args: Mapping[str, Any]) -> str:
    """A short readable name: the script's file name (or the image), then the flavor."""
    script = str(args.get("script") or "")
    if script and "\n" not in script and len(script) < 200:
        base = script.rstrip("/").rsplit("/", 1)[-1]
    else:
        base = "inline-script" if script else str(args.get("image") or "job")
    return f"{base} on {args.get('flavor') or 'cpu-basic'}"


async def announce_job(call: CallContext, args: Mapping[str, Any], job: Any, source: str) -> None:
    """Tell the ledger that this call started `job`; nothing when no ledger listens (the
    event holds the script: it is for the ledger, not for the UI)."""
    if not getattr(call.writer, LISTENS, False):
        return
    call.emit(
        {
            "type": "experiment_started",
            "kind": "hf_job",
            "job_id": job.id,
            "url": job.url,
            "name": run_name(args),
            "flavor": args.get("flavor"),
            "price_per_hour": await price_per_hour(str(args.get("flavor"))),
            "args": {k: args[k] for k in ARGS if args.get(k) is not None}
            | {"env": sorted(args.get("env") or {})},
            "script": source,
            **(facts := script_facts(source)),
            "outputs": facts["outputs"] | trackio_target(args, source),
        }
    )


def announce_ended(call: CallContext, job: Any, lines: list[str]) -> None:
    """Tell the ledger about a job found already over (its whole log, its final stage)."""
    if getattr(call.writer, LISTENS, False):
        call.emit(
            {
                "type": "experiment_ended",
                "job_id": job.id,
                "stage": job.status.stage,
                "lines": lines,
            }
        )
