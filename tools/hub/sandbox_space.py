"""hf_sandbox: a private Hugging Face Space as a remote sandbox, to smoke-test code (CUDA kernels,
a training step on a real GPU) before paying for a Job.

Operations: create (a flavor, an optional name, default `<user>/ml-intern-sandbox-<6 hex>`, an
optional base image), exec (a bash command; output streamed as `tool_log` progress, exit code
returned), read_file, write_file, upload (a workspace file to the sandbox), status, list,
delete. How a sandbox is made and woken: tools/hub/sandbox_lifecycle.py; the runtime inside
it: tools/hub/sandbox_app.py; talking to it: tools/hub/sandbox_client.py; what a thread
remembers: tools/hub/sandbox_records.py (`thread_sandboxes` for /status and a thread's end).

Only sandboxes recorded for the calling thread can be used or deleted; a thread that resumes
finds its sandboxes again, and `create` without a name reuses one on the same flavor (a
create call re-run after a crash re-attaches to the Space it made).

Approval (`sandbox_rule`): creating on paid hardware asks, with the flavor, its hourly list
price and the sleep time in the request; cpu-basic is free and private, so it runs (as a
private create_repo does in hf_repo_git). exec and write_file run code or change what code
runs, so they ask unless yolo (or headless), like bash outside a local sandbox: the sandbox has
internet access and this thread's Space may hold what earlier calls put there. read_file,
status and list run: they reach only a sandbox this thread created. Whatever reaches the
sandbox can leave: upload (a file of this machine) asks, as uploads
in hf_repo_files do, and a credential location or a file named like one (`.env*`, keys,
tools/secret_paths.py `has_secret_name`, inside the workspace too) asks every time, in any
mode. delete asks: the sandbox's files go with it.

What the sandbox holds: its own key (tools/hub/sandbox_app.py keeps it from its commands),
and never the Hugging Face token, which the Spaces proxy consumes (tools/hub/sandbox_client.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field, field_validator

from configs.environment import ml_intern_home
from tools.call_context import CallContext
from tools.catalog import Describer, ToolSpec
from tools.hub.client import human_size
from tools.hub.sandbox_client import SandboxClient
from tools.hub.sandbox_lifecycle import (
    LIST_PRICES,
    create_space,
    delete_sandbox,
    is_free,
    still_exists,
    wait_until_running,
)
from tools.hub.sandbox_records import (
    SandboxRecord,
    find,
    forget,
    sleep_text,
    thread_sandboxes,
)
from tools.hub.sandbox_report import list_text, ready_text, status_text
from tools.local.bash_process import Throttled
from tools.local.file_checks import opened_file, place_of
from tools.outcome import Outcome
from tools.policy import Need
from tools.result_texts import arguments, tool_text
from tools.result_texts import hub_sandbox as texts
from tools.safe_paths import is_regular_at
from tools.secret_paths import has_secret_name, is_secret_path
from tools.tool_factory import Handler, make_tool

SandboxOperation = Literal[
    "create", "list", "status", "exec", "read_file", "write_file", "upload", "delete"
]
SLEEP_TIME_S = 900
READ_MAX_BYTES = 200_000
UPLOAD_MAX_BYTES = 500_000_000


class SandboxArgs(BaseModel):
    """Private Hugging Face Space sandboxes (CPU or GPU) to smoke-test code, e.g. CUDA, before
    an expensive Job. create (`flavor`; paid flavors bill hourly until the sandbox sleeps when
    idle), then exec a bash `command` (output streamed, exit code returned), read_file or
    write_file a `path`, upload a workspace `local_path`, status, list (this thread's
    sandboxes with $/hour), delete when done. Omit `sandbox` when the thread has one. Files
    are lost when it sleeps or restarts."""

    operation: SandboxOperation
    sandbox: str | None = Field(None, description="Which sandbox: 'user/name' or 'name'.")
    flavor: str = Field(
        "cpu-basic", description="create: hardware, e.g. cpu-basic, t4-small, l4x1, a10g-small."
    )
    name: str | None = Field(None, description="create: 'name' or 'org/name' (default: generated).")
    image: str | None = Field(
        None, description="create: base Docker image with python3 (default: CPU or CUDA image)."
    )
    command: str | None = Field(None, description="exec: bash command, run in /tmp/work.")
    timeout: int = Field(600, gt=0, le=3600, description="exec: seconds before it is killed.")
    path: str | None = Field(None, description="Path in the sandbox (relative: /tmp/work).")
    content: str | None = Field(None, description="write_file: the text.")
    local_path: str | None = Field(None, description="upload: a file in the workspace.")

    @field_validator("flavor")
    @classmethod
    def _known_flavor(cls, value: str) -> str:
        if value not in LIST_PRICES:
            names = ", ".join(LIST_PRICES)
            raise ValueError(
                tool_text("arguments", arguments.UNKNOWN_FLAVOR, value=value, names=names)
            )
        return value


# --- operations -----------------------------------------------------------------------------


async def _create(call: CallContext, home: Path, a: dict[str, Any], sleep_time_s: int) -> str:
    for record in _reusable(call, thread_sandboxes(home, call.thread_id), a):
        if await still_exists(record.repo_id):
            await wait_until_running(call, record)
            ready = await ready_text(record)
            return tool_text("hf_sandbox", texts.REUSED, id=record.repo_id, ready=ready)
        forget(home, call.thread_id, record.repo_id)  # deleted outside ml-intern
    record = await create_space(
        call, home, flavor=a["flavor"], name=a["name"], image=a["image"], sleep_time_s=sleep_time_s
    )
    call.progress(line=f"created {record.repo_id}; waiting for it to build and start")
    await wait_until_running(call, record)
    ready = await ready_text(record)
    return tool_text("hf_sandbox", texts.CREATED, id=record.repo_id, ready=ready)


def _reusable(
    call: CallContext, records: list[SandboxRecord], a: dict[str, Any]
) -> list[SandboxRecord]:
    """Sandboxes a create call may reuse: the one it made before a restart, the one named,
    or (no name given) those on the same flavor."""
    if a["name"]:
        named = [r for r in records if r.name == a["name"].split("/")[-1]]
        if named and named[0].flavor != a["flavor"]:
            raise ToolException(
                tool_text(
                    "hf_sandbox",
                    texts.OTHER_FLAVOR,
                    id=named[0].repo_id,
                    flavor=named[0].flavor,
                    wanted=a["flavor"],
                )
            )
        return named
    mine = [r for r in records if r.call_id and r.call_id == call.tool_call_id]
    return mine or [r for r in records if r.flavor == a["flavor"]]


async def _exec(
    call: CallContext,
    client: SandboxClient,
    command: str,
    timeout: int,  # noqa: ASYNC109
) -> tuple[str, dict[str, Any]]:
    """The command's output and exit code, and that outcome (a timed-out command's is None)."""
    repo_id = client.record.repo_id
    emit = Throttled(lambda line: call.progress(line=line, sandbox=repo_id))
    result = await client.run(command, timeout, emit)
    text = result.output.text() or tool_text("hf_sandbox", texts.NO_OUTPUT)
    if result.timed_out:
        text += tool_text("hf_sandbox", texts.TIMED_OUT, timeout=timeout)
    code = None if result.timed_out else result.exit_code
    outcome = Outcome(exit_code=code, notes=2 if result.timed_out else 1)
    text = tool_text("hf_sandbox", texts.EXITED, output=text, code=result.exit_code)
    return text, outcome.artifact()


async def _read(client: SandboxClient, path: str) -> str:
    data, size = await client.read(path, READ_MAX_BYTES)
    if b"\0" in data[:8192]:
        return tool_text("hf_sandbox", texts.BINARY, path=path, size=human_size(size))
    text = data.decode("utf-8", errors="replace")
    if size > len(data):
        shown, whole = human_size(len(data)), human_size(size)
        text += tool_text("hf_sandbox", texts.PARTLY_SHOWN, shown=shown, size=whole)
    return text or tool_text("hf_sandbox", texts.EMPTY_FILE)


def _local_file(call: CallContext, local: str) -> tuple[Path, bytes]:
    """Blocking: the workspace file `local` names and its bytes, read by descriptor (no link
    followed, nothing but a regular file of at most UPLOAD_MAX_BYTES)."""
    place = place_of(call, local, "read", None)
    if not is_regular_at(place.anchor, place.rel):
        raise ToolException(tool_text("hf_sandbox", texts.NOT_A_FILE, path=call.show(place.target)))
    with opened_file(place, tool_text("hf_sandbox", texts.CHECK_THE_PATH), None) as file:
        if file.st.st_size > UPLOAD_MAX_BYTES:
            size, limit = human_size(file.st.st_size), human_size(UPLOAD_MAX_BYTES)
            path = call.show(place.target)
            raise ToolException(
                tool_text("hf_sandbox", texts.TOO_BIG, path=path, size=size, limit=limit)
            )
        return place.target, file.read()


async def _upload(call: CallContext, client: SandboxClient, local: str, path: str | None) -> str:
    source, data = await asyncio.to_thread(_local_file, call, local)
    written = await client.write(path or source.name, data)
    return tool_text(
        "hf_sandbox",
        texts.UPLOADED,
        source=call.show(source),
        size=human_size(len(data)),
        path=written["path"],
        id=client.record.repo_id,
    )


def _needs(op: str, a: dict[str, Any]) -> None:
    wanted = {"exec": "command", "write_file": "path", "read_file": "path", "upload": "local_path"}
    if op in wanted and not a[wanted[op]]:
        raise ToolException(tool_text("hf_sandbox", texts.NEEDS, operation=op, field=wanted[op]))
    if op == "write_file" and a["content"] is None:
        raise ToolException(tool_text("hf_sandbox", texts.NEEDS_CONTENT))


def _handler(sleep_time_s: int) -> Handler:
    async def with_artifact(call: CallContext, **a: Any) -> tuple[str, dict[str, Any]]:
        """Every operation's text, with an artifact: an exec's outcome, else nothing."""
        result = await sandbox(call, **a)
        return result if isinstance(result, tuple) else (result, {})

    async def sandbox(call: CallContext, **a: Any) -> str | tuple[str, dict[str, Any]]:
        op, home = a["operation"], ml_intern_home()
        _needs(op, a)
        if op == "create":
            return await _create(call, home, a, sleep_time_s)
        records = thread_sandboxes(home, call.thread_id)
        if op == "list":
            return await list_text(records)
        record = find(records, a["sandbox"])
        if op == "status":
            return await status_text(record)
        if op == "delete":
            return await delete_sandbox(home, call.thread_id, record.repo_id)
        await wait_until_running(call, record)
        async with SandboxClient(record) as client:
            if op == "exec":
                return await _exec(call, client, a["command"], a["timeout"])
            if op == "read_file":
                return await _read(client, a["path"])
            if op == "upload":
                return await _upload(call, client, a["local_path"], a["path"])
            written = await client.write(a["path"], a["content"].encode())
            count, path = written["bytes"], written["path"]
            return tool_text("hf_sandbox", texts.WROTE, count=count, path=path, id=record.repo_id)

    return with_artifact


# --- approval -------------------------------------------------------------------------------


def sandbox_rule(args: Mapping[str, Any], workspace: Path) -> Need:
    """Paid hardware, running code, writing files, uploads and deleting ask (a secrets file
    every time, in any mode); reading runs (only on sandboxes this thread created)."""
    operation = args.get("operation")
    if operation == "create":
        return "auto" if is_free(str(args.get("flavor") or "cpu-basic")) else "ask"
    if operation in {"delete", "exec", "write_file"}:
        return "ask"
    if operation == "upload":
        local = args.get("local_path")
        if isinstance(local, str) and local and _secret_upload(local, workspace):
            return "never_auto"
        return "ask"
    return "auto"


def _secret_upload(local: str, workspace: Path) -> bool:
    """A credential location, or a file named like one (through a symlink too)."""
    target = workspace / Path(local).expanduser()
    try:
        real = target.resolve().name
    except (OSError, RuntimeError):
        real = target.name
    return is_secret_path(local, workspace) or has_secret_name(local) or has_secret_name(real)


def describer(sleep_time_s: int) -> Describer:
    def describe(args: Mapping[str, Any]) -> str:
        """What the user approves: the hardware and its price, or the command, or the file."""
        op, which = args.get("operation"), args.get("sandbox") or "this thread's sandbox"
        where = f"sandbox {args['sandbox']}" if args.get("sandbox") else "this thread's sandbox"
        if op == "create":
            flavor = str(args.get("flavor") or "cpu-basic")
            cost = (
                "free, sleeps after 48 h idle"
                if is_free(flavor)
                else f"${LIST_PRICES.get(flavor, 0):.2f}/h (Hub list price) while it runs, "
                f"{sleep_text(sleep_time_s)}"
            )
            extra = [f"{k}: {args[k]}" for k in ("name", "image") if args.get(k)]
            return "\n".join([f"Create a private sandbox Space on {flavor}: {cost}", *extra])
        if op == "exec":
            return (
                f"Run in {where} (up to {args.get('timeout', 600)} s):\n{args.get('command', '')}"
            )
        if op == "upload":
            local = str(args.get("local_path") or "")
            dest = args.get("path") or Path(local).name
            warning = (
                "\nIts name says it holds secrets, and the sandbox can send files anywhere."
                if has_secret_name(local)
                else ""
            )
            return f"Upload {local} from this machine to {dest} in {where}{warning}"
        if op == "delete":
            return f"Delete sandbox Space {which} and every file in it"
        return f"hf_sandbox {op} on {which}" + (f": {args['path']}" if args.get("path") else "")

    return describe


def sandbox_space_spec(*, sleep_time_s: int = SLEEP_TIME_S) -> ToolSpec:
    """hf_sandbox; a paid sandbox sleeps after `sleep_time_s` idle seconds. Creating waits for
    the Space to start and exec for its command, each bounded by its own limit."""
    return ToolSpec(
        tool=make_tool("hf_sandbox", SandboxArgs, _handler(sleep_time_s), artifact=True),
        family="hub",
        approval=sandbox_rule,
        describe=describer(sleep_time_s),
        own_deadline=True,
        summary=lambda args: " ".join(
            str(args[k])
            for k in ("operation", "sandbox", "flavor", "command", "path")
            if args.get(k)
        ),
    )
