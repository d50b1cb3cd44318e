"""The hf_jobs tool's texts (tools/hub/jobs.py, job_budget.py, job_script.py, jobs_follow.py,
jobs_watch.py): what a job run, listing, log or refusal reads like to the model."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# Refusals before anything runs
SCRIPT_TOO_LARGE = (
    "The script is {size:,} bytes; inline scripts are limited to {limit:,}. Upload it to a Hub "
    "repo and pass its resolve URL instead."
)
SECRET_UNSET = "Secret {name} is not set here; set it in the environment first."
NEEDS_TOKEN = (
    "Jobs need a Hugging Face token: set HF_TOKEN (https://huggingface.co/settings/tokens) "
    "or run `hf auth login`, then retry."
)
UV_NEEDS_SCRIPT = "uv needs `script`: Python source, a local .py path or a URL."
NEEDS_IMAGE = "{operation} needs `image` and `command` (or `script` for a uv script)."
NEEDS_SCHEDULE = "scheduled_run needs `schedule`, e.g. '@daily' or '0 9 * * 1'."
NEEDS_JOB_ID = "{operation} needs `job_id`."
OVER_BUDGET = (
    "Not started: this job could cost up to ${worst:.2f} ({flavor} at ${price:.2f}/h for "
    "{timeout}), and with ${spent:.2f} already committed this run that passes the job budget "
    "of ${budget:.2f}. Use a smaller flavor or a shorter timeout, or ask the user to raise "
    "--max-job-cost (config max_job_cost)."
)
PASS_SCRIPT = "Pass its path or its source."  # after a script file that cannot be read
NO_SCRIPT = "Script file {path} not found. Pass its path or its source."

# A job, a listing, the hardware
JOB = "job {id} · {stage} · {flavor} · {image}\ncommand: {command}\n{times}"
TIMES = "created {created} · started {started} · finished {finished}"
STAGE_MESSAGE = " ({message})"  # after a stage, when the Hub says why
ENV = "env: {names}"
SECRETS = "secrets: {names} (values hidden)"
PS_LINE = "- {id} · {stage} · {flavor} · {name} · created {created} · {command}"
SCHEDULED_LINE = (
    "- {id} · {schedule} · {state} · next {next} · last job {last} · {flavor} · {image}"
)
SUSPENDED = "suspended"  # {state}
ACTIVE = "active"  # {state}
HARDWARE_HEAD = "| flavor | name | cpu | ram | accelerator | $/hour |\n|---|---|---|---|---|---|"
HARDWARE_ROW = "| {name} | {pretty} | {cpu} | {ram} | {gpu} | {price:.2f} |"
GPU = "{quantity}x {model} {vram}"
NO_JOBS = "No {running}jobs in {namespace}."
RUNNING = "running "  # {running}, unless all jobs are asked for
JOBS = "{count} jobs in {namespace}:"
SCHEDULED_JOBS = "{count} scheduled jobs:"

# Starting, following, ending
SCHEDULED = "Scheduled job {id} ({schedule}, {flavor}).\n{line}"
REATTACHED = "Re-attached to job {id} after a restart (this call had started it).\n"
URL = "{lead}URL: {url}"
STARTED = "Started job {id} on {flavor} ({stage}).\nURL: {url}"
FOLLOW_IT = "{started}\nFollow it with hf_jobs operation='follow' (or 'logs'), job_id='{id}'."
FOLLOWING = "Following job {id} ({stage}).\nURL: {url}"
LAST_LINES = "Last {count} lines of job {id}:\n{text}"
NO_OUTPUT_YET = "(no output yet)"
CANCELLED = "Cancelled job {id}."
SCHEDULE_CHANGED = "Scheduled job {id} {done}."
DELETED = "deleted"  # {done}
RESUMED = "resumed"  # {done}; a suspended one is SUSPENDED
HOW = "Follow it again with hf_jobs operation='follow', job_id='{id}'; cancel it with operation='cancel'."
STILL_RUNNING = "Following job {id} stopped there, but the job is still running ({url}). {how}"
FOLLOW_FAILED = "{started}\nIt is running, but following it failed: {error} {how}"
# {stage}: with the Hub's message, STAGE_MESSAGE
FINISHED = "{lead}Job {id} finished: {stage}.\nURL: {url}\n"
LOG = "Log ({count} lines; first and last shown):\n{log}"  # after FINISHED
ENDED = "{started}\nJob {id} already ended: {stage}.\nLast lines:\n{tail}"
NO_LOG = "(no output)"
LINES_NOT_SHOWN = "\n[... {count:,} lines not shown ...]\n"


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "hf_jobs": (
        SCRIPT_TOO_LARGE,
        SECRET_UNSET,
        NEEDS_TOKEN,
        UV_NEEDS_SCRIPT,
        NEEDS_IMAGE,
        NEEDS_SCHEDULE,
        NEEDS_JOB_ID,
        OVER_BUDGET,
        PASS_SCRIPT,
        NO_SCRIPT,
        JOB,
        TIMES,
        STAGE_MESSAGE,
        ENV,
        SECRETS,
        PS_LINE,
        SCHEDULED_LINE,
        SUSPENDED,
        ACTIVE,
        HARDWARE_HEAD,
        HARDWARE_ROW,
        GPU,
        NO_JOBS,
        RUNNING,
        JOBS,
        SCHEDULED_JOBS,
        SCHEDULED,
        REATTACHED,
        URL,
        STARTED,
        FOLLOW_IT,
        FOLLOWING,
        LAST_LINES,
        NO_OUTPUT_YET,
        CANCELLED,
        SCHEDULE_CHANGED,
        DELETED,
        RESUMED,
        HOW,
        STILL_RUNNING,
        FOLLOW_FAILED,
        FINISHED,
        LOG,
        ENDED,
        NO_LOG,
        LINES_NOT_SHOWN,
    ),
}
