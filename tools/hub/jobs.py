"""hf_jobs: run training and scripts on Hugging Face Jobs, follow them, list and cancel them.

`uv` sends the script inline (base64 in the job's environment, decoded by bash in the uv image)
rather than through `HfApi.run_uv_job`, which uploads any local path among the script and its
arguments to a `jobs-artifacts` bucket: an upload nobody asked for. `wait=true` (and `follow`
for a job already running) follows the job to its end (tools/hub/jobs_watch.py): each log line
goes to the UI as a `tool_log` event, the model gets the head and tail, a restart re-attaches,
and Ctrl-C lets go of the job without cancelling it.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field, field_validator

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub.client import call_hub, hf_token, hub_api
from tools.hub.job_script import script_source
from tools.hub.jobs_follow import TAIL_CHARS
from tools.hub.jobs_ledger import announce_job
from tools.hub.jobs_text import hardware_text, job_text, ps_line, scheduled_line
from tools.hub.jobs_watch import followed_before, inspect, watch
from tools.policy import ApprovalRule, Need
from tools.result_texts import arguments, tool_text
from tools.result_texts import hub_jobs as texts
from tools.tool_factory import make_tool

JobOperation = Literal[
    "run", "uv", "ps", "logs", "inspect", "follow", "cancel", "hardware", "scheduled_run",
    "scheduled_ps", "scheduled_delete", "scheduled_suspend", "scheduled_resume",
]  # fmt: skip
UV_IMAGE = "ghcr.io/astral-sh/uv:python3.12-bookworm"  # huggingface_hub's DEFAULT_UV_IMAGE
JOB_SCRIPT = "/tmp/ml_intern_job.py"
BOOTSTRAP = f'printf %s "$ML_INTERN_SCRIPT_B64" | base64 -d > {JOB_SCRIPT} && exec uv run "$@"'
MAX_SCRIPT_BYTES = 90_000  # base64 of it must fit in one environment string (128 KiB)
GPU_TIMEOUT = "2h"
_TIMEOUT = re.compile(r"^\d+(\.\d+)?[smhd]?$")


class JobsArgs(BaseModel):
    """Hugging Face Jobs (paid compute). uv: run a Python `script` (inline source, a local .py
    path, or a URL) with `dependencies` in a uv image; PEP 723 headers are honoured. run: a
    Docker `image` with a `command`. Both return the job id and URL at once; with wait=true they
    follow the job until it ends, however long, and return its log's head and tail (follow: the
    same for a running `job_id`; start several jobs, then follow them in parallel calls).
    `flavor` is the hardware (see
    operation=hardware; default cpu-basic); GPU jobs default to a 2h timeout. Before a training
    job: the job's disk is gone when it ends, so the script must push its results
    (push_to_hub=True and hub_model_id in the user's namespace); set `timeout` for the model,
    data and hardware with a margin (a killed job loses unsaved work); smoke-test the script
    first and run one job before a sweep. Your HF token is passed as the secret HF_TOKEN
    (hf_token='never' to withhold it); never write a token into the script. ps: list
    jobs (all=true for finished ones). logs, inspect, cancel: by `job_id`. scheduled_run
    (`schedule`: cron or @hourly/@daily...), scheduled_ps, scheduled_delete/suspend/resume (by
    `job_id`). Running and scheduling jobs ask the user; scheduled jobs never run unattended."""

    operation: JobOperation
    script: str | None = Field(None, description="uv: Python source, a local .py path or a URL.")
    dependencies: list[str] | None = Field(None, description="uv: pip requirements.")
    script_args: list[str] | None = Field(None, description="uv: arguments for the script.")
    python: str | None = Field(None, description="uv: Python version, e.g. '3.12'.")
    image: str | None = Field(None, description="run: Docker image, e.g. 'python:3.12'.")
    command: list[str] | None = Field(
        None, description="run: command, e.g. ['python', '-c', '...']."
    )
    flavor: str = Field("cpu-basic", description="Hardware, e.g. cpu-basic, t4-small, a10g-large.")
    timeout: str | None = Field(None, description="Max duration: '30m', '2h', '1d' or seconds.")
    env: dict[str, str] | None = Field(None, description="Environment variables (not secret).")
    secrets: list[str] | None = Field(
        None, description="Names of local env vars to pass as secrets."
    )
    hf_token: Literal["always", "never"] = Field("always", description="Pass HF_TOKEN?")
    wait: bool = Field(False, description="run/uv: follow the logs until the job finishes.")
    job_id: str | None = Field(None, description="logs/inspect/cancel/scheduled_*: the id.")
    tail: int = Field(50, ge=1, le=1000, description="logs: how many last lines.")
    all: bool = Field(False, description="ps: include finished jobs.")
    schedule: str | None = Field(None, description="scheduled_run: cron or @hourly/@daily/...")
    namespace: str | None = Field(None, description="User or org to run under (default: you).")

    @field_validator("flavor")
    @classmethod
    def _known_flavor(cls, value: str) -> str:
        from huggingface_hub import JobHardware

        names = [h.value for h in JobHardware]
        if value not in names:
            raise ValueError(
                tool_text(
                    "arguments", arguments.UNKNOWN_FLAVOR, value=value, names=", ".join(names)
                )
            )
        return value

    @field_validator("timeout", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        value = str(value) if isinstance(value, int | float) else value
        if value is not None and not _TIMEOUT.match(value):
            raise ValueError(tool_text("arguments", arguments.BAD_TIMEOUT))
        return value

    @field_validator("command", "dependencies", "script_args", "secrets", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        return shlex.split(value) if isinstance(value, str) else value


def is_cpu(flavor: str | None) -> bool:
    return (flavor or "cpu-basic").startswith("cpu")


# --- building the job -----------------------------------------------------------------------


def uv_spec(
    call: CallContext, script: str, dependencies: list[str], python: str | None, args: list[str]
) -> tuple[list[str], dict[str, str], str]:
    """(command, env, source text) for a uv job; the source travels base64 in the env."""
    with_args = [word for dep in dependencies for word in ("--with", dep)]
    with_args += ["--python", python] if python else []
    source, url = script_source(call, script)
    if url is not None:
        return ["uv", "run", *with_args, url, *args], {}, url
    data = (source or "").encode()
    if len(data) > MAX_SCRIPT_BYTES:
        raise ToolException(
            tool_text("hf_jobs", texts.SCRIPT_TOO_LARGE, size=len(data), limit=MAX_SCRIPT_BYTES)
        )
    command = ["bash", "-c", BOOTSTRAP, "ml-intern-job", *with_args, JOB_SCRIPT, *args]
    return command, {"ML_INTERN_SCRIPT_B64": base64.b64encode(data).decode()}, source or ""


def job_secrets(names: list[str] | None, mode: str) -> dict[str, str]:
    """Secret values from the local environment, and the HF token unless withheld: a job that
    pushes, or only downloads a gated model, needs it, and guessing which from the script
    missed the second kind."""
    secrets: dict[str, str] = {}
    for name in names or []:
        value = hf_token() if name == "HF_TOKEN" else os.environ.get(name)
        if not value:
            raise ToolException(tool_text("hf_jobs", texts.SECRET_UNSET, name=name))
        secrets[name] = value
    if mode == "always" and (token := hf_token()):
        secrets["HF_TOKEN"] = token
    return secrets


# --- the tool -------------------------------------------------------------------------------


async def _namespace(given: str | None) -> str:
    if given:
        return given
    if not hf_token():
        raise ToolException(tool_text("hf_jobs", texts.NEEDS_TOKEN))
    me = await call_hub("Finding your username", hub_api().whoami)
    return str(me["name"])


async def _start(call: CallContext, a: dict[str, Any], namespace: str) -> str:
    """run, uv and scheduled_run: build the spec, create the job, maybe follow it."""
    api, op = hub_api(), a["operation"]
    env, source = dict(a["env"] or {}), ""
    if a["script"]:
        command, extra, source = await asyncio.to_thread(  # a local script is read: blocking
            uv_spec, call, a["script"], a["dependencies"] or [], a["python"], a["script_args"] or []
        )
        env.update(extra)
        image = a["image"] or UV_IMAGE
    elif op == "uv":
        raise ToolException(tool_text("hf_jobs", texts.UV_NEEDS_SCRIPT))
    else:
        if not a["image"] or not a["command"]:
            raise ToolException(tool_text("hf_jobs", texts.NEEDS_IMAGE, operation=op))
        image, command = a["image"], a["command"]
    timeout = a["timeout"] or (None if is_cpu(a["flavor"]) else GPU_TIMEOUT)
    spec = {
        "image": image,
        "command": command,
        "env": env,
        "secrets": job_secrets(a["secrets"], a["hf_token"]),
        "flavor": a["flavor"],
        "timeout": timeout,
        "namespace": namespace,
    }
    if op == "scheduled_run":
        if not a["schedule"]:
            raise ToolException(tool_text("hf_jobs", texts.NEEDS_SCHEDULE))
        made = await call_hub(
            "Scheduling the job", api.create_scheduled_job, schedule=a["schedule"], **spec
        )
        return tool_text(
            "hf_jobs",
            texts.SCHEDULED,
            id=made.id,
            schedule=a["schedule"],
            flavor=a["flavor"],
            line=scheduled_line(made),
        )
    if a["wait"] and (before := await asyncio.to_thread(followed_before, call)) is not None:
        # This call started the job before a restart: follow it, do not start another.
        job = await inspect(*before)
        lead = tool_text("hf_jobs", texts.REATTACHED, id=job.id)
        started = tool_text("hf_jobs", texts.URL, lead=lead, url=job.url)
        return await watch(call, job, before[1], started, lead=lead)
    job = await call_hub("Starting the job", api.run_job, **spec)
    await announce_job(call, a, job, source)  # the experiment ledger's record of the run
    started = tool_text(
        "hf_jobs", texts.STARTED, id=job.id, flavor=a["flavor"], stage=job.status.stage, url=job.url
    )
    if not a["wait"]:
        return tool_text("hf_jobs", texts.FOLLOW_IT, started=started, id=job.id)
    return await watch(call, job, namespace, started)


async def _jobs(call: CallContext, **a: Any) -> str:
    op, job_id = a["operation"], a["job_id"]
    api = hub_api()
    if op == "hardware":
        return hardware_text(await call_hub("Listing hardware", api.list_jobs_hardware))
    namespace = await _namespace(a["namespace"])
    if op in {"run", "uv", "scheduled_run"}:
        return await _start(call, a, namespace)
    if op == "ps":
        jobs = await call_hub("Listing jobs", lambda: list(api.list_jobs(namespace=namespace)))
        shown = [j for j in jobs if a["all"] or j.status.stage in {"RUNNING", "SCHEDULING"}]
        shown.sort(key=lambda j: j.created_at.timestamp() if j.created_at else 0, reverse=True)
        if not shown:
            running = "" if a["all"] else tool_text("hf_jobs", texts.RUNNING)
            return tool_text("hf_jobs", texts.NO_JOBS, running=running, namespace=namespace)
        head = tool_text("hf_jobs", texts.JOBS, count=len(shown), namespace=namespace)
        return "\n".join([head, *map(ps_line, shown[:20])])
    if op == "scheduled_ps":
        found = await call_hub(
            "Listing scheduled jobs", api.list_scheduled_jobs, namespace=namespace
        )
        head = tool_text("hf_jobs", texts.SCHEDULED_JOBS, count=len(found))
        return "\n".join([head, *map(scheduled_line, found)])
    if not job_id:
        raise ToolException(tool_text("hf_jobs", texts.NEEDS_JOB_ID, operation=op))
    where = {"namespace": namespace}
    if op == "logs":
        lines = await call_hub(
            "Reading the logs",
            lambda: list(api.fetch_job_logs(job_id=job_id, tail=a["tail"], **where)),
        )
        text = "\n".join(lines[-a["tail"] :])
        shown = text[-TAIL_CHARS:] or tool_text("hf_jobs", texts.NO_OUTPUT_YET)
        count = min(len(lines), a["tail"])
        return tool_text("hf_jobs", texts.LAST_LINES, count=count, id=job_id, text=shown)
    if op == "follow":
        job = await inspect(job_id, namespace)
        stage, url = job.status.stage, job.url
        started = tool_text("hf_jobs", texts.FOLLOWING, id=job.id, stage=stage, url=url)
        return await watch(call, job, namespace, started)
    if op == "inspect":
        return job_text(
            await call_hub("Inspecting the job", api.inspect_job, job_id=job_id, **where)
        )
    if op == "cancel":
        await call_hub("Cancelling the job", api.cancel_job, job_id=job_id, **where)
        return tool_text("hf_jobs", texts.CANCELLED, id=job_id)
    action = op.removeprefix("scheduled_")
    method = getattr(api, f"{action}_scheduled_job")
    await call_hub(
        f"Trying to {action} the scheduled job", method, scheduled_job_id=job_id, **where
    )
    if action == "delete":
        done = tool_text("hf_jobs", texts.DELETED)
    elif action == "suspend":
        done = tool_text("hf_jobs", texts.SUSPENDED)
    else:
        done = tool_text("hf_jobs", texts.RESUMED)
    return tool_text("hf_jobs", texts.SCHEDULE_CHANGED, id=job_id, done=done)


FREE_JOBS = frozenset({"ps", "logs", "inspect", "follow", "cancel", "hardware"})


def jobs_rule(confirm_cpu_jobs: bool) -> ApprovalRule:
    """Jobs cost money: running asks (CPU too unless confirm_cpu_jobs is false), schedules
    always need a human, even in yolo or headless mode."""

    def rule(args: Mapping[str, Any], _workspace: Path) -> Need:
        operation = str(args.get("operation") or "")
        if operation.startswith("scheduled_"):
            return "never_auto"
        if operation in FREE_JOBS:
            return "auto"
        if operation in {"run", "uv"} and not confirm_cpu_jobs and is_cpu(args.get("flavor")):
            return "auto"
        return "ask"

    return rule


def describe_job(args: Mapping[str, Any]) -> str:
    """Hardware, duration, and the full script or command: what the user pays for."""
    operation = args.get("operation")
    lines = [
        f"Hugging Face Jobs {operation} on {args.get('flavor') or 'cpu-basic'}"
        + (f", timeout {args['timeout']}" if args.get("timeout") else "")
        + (f", schedule {args['schedule']}" if args.get("schedule") else "")
    ]
    if operation in {"run", "uv", "scheduled_run"}:
        names = [*(args.get("secrets") or [])]
        names += ["HF_TOKEN"] if args.get("hf_token", "always") == "always" else []
        if names:
            lines.append(f"secrets: {', '.join(dict.fromkeys(names))} (values hidden)")
    if args.get("dependencies"):
        lines.append(f"dependencies: {', '.join(args['dependencies'])}")
    if args.get("image"):
        lines.append(f"image: {args['image']}")
    if args.get("command"):
        lines.append(f"command: {' '.join(map(str, args['command']))}")
    if args.get("script"):
        lines.append(f"script:\n{args['script']}")
    if args.get("job_id"):
        lines.append(f"job: {args['job_id']}")
    return "\n".join(lines)


def jobs_spec(*, confirm_cpu_jobs: bool = True, max_job_cost: float = 10.0) -> ToolSpec:
    """hf_jobs; following a job lasts as long as the job (not the generic tool timeout); run
    and uv count against the run's job budget (tools/hub/job_budget.py)."""
    from tools.hub.job_budget import within_budget

    budgeted = within_budget(_jobs, max_job_cost, lambda f: None if is_cpu(f) else GPU_TIMEOUT)
    return ToolSpec(
        tool=make_tool("hf_jobs", JobsArgs, budgeted, artifact=True),
        own_deadline=True,
        family="hub",
        approval=jobs_rule(confirm_cpu_jobs),
        describe=describe_job,
        summary=lambda args: " ".join(
            str(args[k]) for k in ("operation", "flavor", "job_id") if args.get(k)
        ),
        lean_args=frozenset({"script", "dependencies", "flavor", "timeout", "wait", "job_id"}),
    )
