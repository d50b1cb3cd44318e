"""The hf_sandbox tool's texts (tools/hub/sandbox_space.py, sandbox_client.py,
sandbox_lifecycle.py, sandbox_records.py, sandbox_report.py): a sandbox Space made, woken,
listed, reported and deleted, a command's output, files read and written, and failures as one
sentence ({action}, the tool's own words)."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# Operations (tools/hub/sandbox_space.py)
REUSED = "Reused this thread's sandbox {id} (pass a new `name` for another).\n{ready}"
CREATED = "Created sandbox {id}.\n{ready}"
OTHER_FLAVOR = (
    "This thread's sandbox {id} runs on {flavor}, not {wanted}. Delete it first, or pick "
    "another name."
)
NO_OUTPUT = "(no output)"
TIMED_OUT = "\n[timed out after {timeout} s: the command and its children were killed]"
EXITED = "{output}\n[exit code: {code}]"
BINARY = "{path} is a binary file ({size}); inspect it with exec."
PARTLY_SHOWN = (
    "\n[... the first {shown} of {size} shown; read the rest with exec (tail, sed -n, grep)]"
)
EMPTY_FILE = "(empty file)"
NOT_A_FILE = "{path} is not a file in the workspace; check the path."
CHECK_THE_PATH = "Check the path."  # the hint when the file is missing
TOO_BIG = (
    "{path} is {size}; uploads stop at {limit}. Put it in a Hub repo and download it with exec."
)
UPLOADED = "Uploaded {source} ({size}) to {path} in {id}."
NEEDS = "{operation} needs `{field}`."
NEEDS_CONTENT = "write_file needs `content` (the text to write)."
WROTE = "Wrote {count:,} bytes to {path} in {id}."
# Talking to the runtime (tools/hub/sandbox_client.py)
NO_HOST = (
    "The Hub gives sandbox {id} no host yet: it has never started. Check it with "
    "operation='status', or delete it and create another."
)
LINES_NOT_SHOWN = "[... {count:,} lines not shown ...]"
SLOW = (
    "{action} failed: sandbox {id} ({url}) did not answer in {seconds:.0f} s. It may be busy "
    "or restarting: check operation='status'."
)
UNREACHABLE = (
    "{action} failed: could not reach sandbox {id} at {url} ({error}). Check it with "
    "operation='status'."
)
TOOK_TOO_LONG = "it took too long"  # {why}
CONNECTION_BROKE = "the connection broke"  # {why}
DROPPED = (
    "Sandbox {id} stopped answering while running `{command}` ({why}, after {count} lines of "
    "output); whether the command finished is unknown. The Space may have restarted or gone "
    "to sleep: check operation='status', then run it again.\nOutput so far:\n{output}"
)
REDIRECTED = (
    "{action} failed: sandbox {id} ({url}) redirected to {where} instead of answering. The "
    "redirect was not followed (the token and key stay with the sandbox's host). The Space "
    "may be asleep or starting: check operation='status'."
)
WRONG_KEY = (
    "{action} failed: sandbox {id} refused this thread's key (403); it is not the sandbox "
    "this thread created, or it was rebuilt. Delete it and create another."
)
TOKEN_REFUSED = (
    "{action} failed: the host of sandbox {id} refused the Hugging Face token ({status}). "
    "Use a token that can read the Space (HF_TOKEN or `hf auth login`)."
)
FAILED_IN = "{action} failed in sandbox {id}: {said}."
SERVER_ERROR = (
    "{action} failed: sandbox {id} answered with an error ({status}); it may be starting or "
    "restarting. Check operation='status', then retry."
)
ANSWERED = "{action} failed: sandbox {id} answered {status} ({url}); check operation='status'."
# Its life on the Hub (tools/hub/sandbox_lifecycle.py)
NEEDS_TOKEN = (
    "Sandboxes need a Hugging Face token: set HF_TOKEN "
    "(https://huggingface.co/settings/tokens) or run `hf auth login`, then retry."
)
NOT_AN_IMAGE = "{image!r} is not a Docker image name, e.g. 'python:3.12'."
NO_APP = (
    "{error} The Space {id} exists but has no app yet; delete it with operation='delete', "
    "sandbox='{id}', then create another."
)
START_FAILED = (
    "Sandbox {id} failed to start ({stage}{said}). Its logs are at {url}; delete it with "
    "operation='delete'."
)
START_SAID = ": {said}"  # {said}
STOPPED = (
    "Sandbox {id} is {stage}, so nothing runs there. Restart it from {url} or delete it and "
    "create another."
)
STILL_STARTING = (
    "Sandbox {id} is still {stage} after {waited:.0f} s, so it was not used. It stays "
    "recorded for this thread: check it later with operation='status', see its build logs at "
    "{url}, or delete it with operation='delete' so it cannot bill."
)
DELETED = "Deleted sandbox {id}; it no longer bills."
# What a thread remembers (tools/hub/sandbox_records.py)
UNKNOWN = "Unknown sandbox{named}: {why}."
NAMED = " {name!r}"  # {named}
NONE_YET = "this thread has no sandbox; create one with operation='create'"  # {why}
THREADS_ARE = "this thread's sandboxes are: {known}"  # {why}
SEVERAL = "this thread has several; pass `sandbox`, one of: {known}"  # {why}
PRICE_UNKNOWN = "price unknown"
FREE = "free"
PER_HOUR = "${price:.2f}/h"
SLEEPS_DEFAULT = "sleeps after 48 h idle"
NEVER_SLEEPS = "never sleeps"
SLEEPS_SECONDS = "sleeps after {seconds} s idle"
SLEEPS_MINUTES = "sleeps after {minutes} min idle"
SLEEPS_HOURS = "sleeps after {hours} h idle"
CREATED_AT = "created {when} UTC"
LINE = "- {parts}"  # the parts joined by " · "
# Reports (tools/hub/sandbox_report.py)
RUNS_ON = "It runs on {flavor} ({price}; {sleep}; its files are lost when it sleeps)."
HUB_PAGE = "Hub page: {url}"
HOST = "Host: {host} · {page}"
RUN_WITH = "Run commands with operation='exec', sandbox='{id}'."
NO_ANSWER = "Its runtime did not answer: {error}"
HEALTH = "Work directory {workdir} · Python {python} · GPU: {gpu}"
NO_SANDBOXES = "This thread has no sandboxes. Create one with operation='create'."
STAGE_UNKNOWN = "stage unknown"
ONE = "{count} sandbox in this thread:"
MANY = "{count} sandboxes in this thread:"
RUNNING_NOW = "Running now: ${cost:.2f}/h"
STATUS = "Sandbox {id}: {stage} on {hardware} ({price}; {sleep})."
CREATED_WHERE = "Created {created} · {where}"
AT_HOST = "host {host}"  # {where}
AT_PAGE = "Hub page {url}"  # {where}


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "hf_sandbox": (
        REUSED,
        CREATED,
        OTHER_FLAVOR,
        NO_OUTPUT,
        TIMED_OUT,
        EXITED,
        BINARY,
        PARTLY_SHOWN,
        EMPTY_FILE,
        NOT_A_FILE,
        CHECK_THE_PATH,
        TOO_BIG,
        UPLOADED,
        NEEDS,
        NEEDS_CONTENT,
        WROTE,
        NO_HOST,
        LINES_NOT_SHOWN,
        SLOW,
        UNREACHABLE,
        TOOK_TOO_LONG,
        CONNECTION_BROKE,
        DROPPED,
        REDIRECTED,
        WRONG_KEY,
        TOKEN_REFUSED,
        FAILED_IN,
        SERVER_ERROR,
        ANSWERED,
        NEEDS_TOKEN,
        NOT_AN_IMAGE,
        NO_APP,
        START_FAILED,
        START_SAID,
        STOPPED,
        STILL_STARTING,
        DELETED,
        UNKNOWN,
        NAMED,
        NONE_YET,
        THREADS_ARE,
        SEVERAL,
        PRICE_UNKNOWN,
        FREE,
        PER_HOUR,
        SLEEPS_DEFAULT,
        NEVER_SLEEPS,
        SLEEPS_SECONDS,
        SLEEPS_MINUTES,
        SLEEPS_HOURS,
        CREATED_AT,
        LINE,
        RUNS_ON,
        HUB_PAGE,
        HOST,
        RUN_WITH,
        NO_ANSWER,
        HEALTH,
        NO_SANDBOXES,
        STAGE_UNKNOWN,
        ONE,
        MANY,
        RUNNING_NOW,
        STATUS,
        CREATED_WHERE,
        AT_HOST,
        AT_PAGE,
    ),
}
